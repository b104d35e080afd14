// Composer autocomplete: `@` suggests people (and @here, @channel, @everyone), `#` channels,
// `:` and two letters emoji. The textarea stays a textbox pointing at a listbox of suggestions
// (aria-controls, aria-activedescendant; aria-expanded is not allowed on a textbox, so a live
// region says how many there are); arrows move, Tab or Enter picks, Esc closes. People and
// channels come from the server's autocomplete (debounced, stale lookups aborted) after an
// instant first list from what the client already knows. Also shared with the quick switcher
// and the search box: `suggest`, `fold`, `rememberPeople`.
import { html, useEffect, useRef, useState, useId } from "../lib/html.js";
import { state, changed } from "../lib/store.js";
import { t, addStrings } from "../lib/i18n.js";
import { get } from "../lib/api.js";
import { registerComposerAddon } from "./composer.js";

addStrings({
  en: {
    "ac.people": "People to mention",
    "ac.channels": "Channels to link",
    "ac.emoji": "Emoji",
    "ac.here": "Notify the members of this channel who are online",
    "ac.channel": "Notify every member of this channel",
    "ac.everyone": "Notify every member of this channel",
    "ac.not_member": "not a member",
    "ac.you": "you",
    "ac.count": ({ n }) => (n === 1 ? "1 suggestion: Enter or Tab to insert it." : `${n} suggestions: up and down to choose, Enter or Tab to insert.`),
  },
  es: {
    "ac.people": "Personas a las que mencionar",
    "ac.channels": "Canales que enlazar",
    "ac.emoji": "Emoji",
    "ac.here": "Avisa a los miembros de este canal que están conectados",
    "ac.channel": "Avisa a todos los miembros de este canal",
    "ac.everyone": "Avisa a todos los miembros de este canal",
    "ac.not_member": "no eres miembro",
    "ac.you": "tú",
    "ac.count": ({ n }) => (n === 1 ? "1 sugerencia: Intro o Tab para insertarla." : `${n} sugerencias: arriba y abajo para elegir, Intro o Tab para insertar.`),
  },
});

/** Text compared without accents or case: "Diseño" and "diseno" are the same. */
export function fold(text) {
  return (text || "").normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/** Whether every word of `query` starts a word of one of `names` (as the server matches). */
export function matches(query, ...names) {
  const words = fold(query).split(/[\s]+/).filter(Boolean);
  if (!words.length) return true;
  const have = names.flatMap((name) => fold(name).split(/[\s._\-]+/).concat(fold(name))).filter(Boolean);
  return words.every((word) => have.some((part) => part.startsWith(word)));
}

/** People and channels whose names start with `query`: `{ users, channels }` from the server. */
export async function suggest(query, { limit = 8, signal } = {}) {
  const q = query.trim().slice(0, 100);
  if (!q || !state.workspaceId) return { users: [], channels: [] };
  const found = await get(`/workspaces/${state.workspaceId}/autocomplete`, { q, limit }, { signal });
  rememberPeople(found.users);
  return found;
}

/** People the client had not seen yet join `state.people`, so names resolve everywhere. */
export function rememberPeople(users) {
  const fresh = (users || []).filter((user) => !state.people.has(user.id));
  if (!fresh.length) return;
  const people = new Map(state.people); // a new map: views that compare it redraw
  for (const user of fresh) people.set(user.id, user);
  state.people = people;
  changed();
}

const personName = (user) => user.display_name || user.username;

// ---------------------------------------------------------------------------------------------
// emoji: the common shortcodes, each as the server's Markdown knows it (its `emoji` library's
// aliases, checked when this list was made); the composer inserts the emoji itself, which
// every client shows whatever shortcodes it knows.

const EMOJI_SOURCE = [
  "+1 👍 -1 👎 thumbsup 👍 thumbsdown 👎 ok_hand 👌 wave 👋 clap 👏 pray 🙏 raised_hands 🙌 muscle 💪",
  "point_up ☝️ point_down 👇 point_left 👈 point_right 👉 v ✌️ crossed_fingers 🤞 handshake 🤝",
  "writing_hand ✍️ raised_hand ✋ fist ✊ punch 👊 call_me_hand 🤙 metal 🤘 smile 😄 smiley 😃 grin 😁",
  "laughing 😆 joy 😂 rofl 🤣 slightly_smiling_face 🙂 blush 😊 innocent 😇 wink 😉 heart_eyes 😍",
  "kissing_heart 😘 yum 😋 stuck_out_tongue 😛 stuck_out_tongue_winking_eye 😜 sunglasses 😎",
  "nerd_face 🤓 smirk 😏 relieved 😌 thinking 🤔 neutral_face 😐 expressionless 😑 no_mouth 😶",
  "roll_eyes 🙄 grimacing 😬 hushed 😯 open_mouth 😮 astonished 😲 flushed 😳 pensive 😔 confused 😕",
  "worried 😟 slightly_frowning_face 🙁 frowning_face ☹️ persevere 😣 confounded 😖 disappointed 😞",
  "cry 😢 sob 😭 angry 😠 rage 😡 triumph 😤 scream 😱 fearful 😨 cold_sweat 😰 sweat_smile 😅 sweat 😓",
  "sleepy 😪 sleeping 😴 mask 😷 face_with_thermometer 🤒 nauseated_face 🤢 sneezing_face 🤧",
  "partying_face 🥳 star_struck 🤩 zany_face 🤪 shushing_face 🤫 hugs 🤗 monocle_face 🧐",
  "upside_down_face 🙃 money_mouth_face 🤑 exploding_head 🤯 yawning_face 🥱 pleading_face 🥺",
  "skull 💀 ghost 👻 alien 👽 robot 🤖 poop 💩 clown_face 🤡 see_no_evil 🙈 hear_no_evil 🙉",
  "speak_no_evil 🙊 heart ❤️ orange_heart 🧡 yellow_heart 💛 green_heart 💚 blue_heart 💙",
  "purple_heart 💜 black_heart 🖤 white_heart 🤍 broken_heart 💔 sparkling_heart 💖 two_hearts 💕",
  "heartpulse 💗 100 💯 fire 🔥 sparkles ✨ star ⭐ star2 🌟 zap ⚡ boom 💥 tada 🎉 confetti_ball 🎊",
  "balloon 🎈 gift 🎁 trophy 🏆 medal_sports 🏅 1st_place_medal 🥇 rocket 🚀 eyes 👀 brain 🧠 bulb 💡",
  "bell 🔔 mega 📣 loudspeaker 📢 speech_balloon 💬 thought_balloon 💭 zzz 💤 white_check_mark ✅",
  "heavy_check_mark ✔️ ballot_box_with_check ☑️ x ❌ negative_squared_cross_mark ❎ warning ⚠️",
  "no_entry ⛔ no_entry_sign 🚫 question ❓ exclamation ❗ grey_question ❔ bangbang ‼️",
  "interrobang ⁉️ heavy_plus_sign ➕ heavy_minus_sign ➖ arrow_right ➡️ arrow_left ⬅️ arrow_up ⬆️",
  "arrow_down ⬇️ arrows_counterclockwise 🔄 repeat 🔁 link 🔗 paperclip 📎 pushpin 📌",
  "round_pushpin 📍 memo 📝 pencil2 ✏️ lock 🔒 unlock 🔓 key 🔑 hammer 🔨 wrench 🔧 gear ⚙️",
  "hammer_and_wrench 🛠️ mag 🔍 mag_right 🔎 calendar 📆 date 📅 clock1 🕐 hourglass ⌛ alarm_clock ⏰",
  "stopwatch ⏱️ computer 💻 keyboard ⌨️ desktop_computer 🖥️ iphone 📱 phone ☎️ email 📧",
  "envelope ✉️ inbox_tray 📥 outbox_tray 📤 package 📦 chart_with_upwards_trend 📈",
  "chart_with_downwards_trend 📉 bar_chart 📊 clipboard 📋 file_folder 📁 open_file_folder 📂",
  "page_facing_up 📄 books 📚 book 📖 bookmark 🔖 label 🏷️ moneybag 💰 dollar 💵 credit_card 💳",
  "coffee ☕ tea 🍵 beer 🍺 beers 🍻 wine_glass 🍷 cocktail 🍸 tropical_drink 🍹 champagne 🍾 pizza 🍕",
  "hamburger 🍔 fries 🍟 taco 🌮 burrito 🌯 cake 🍰 birthday 🎂 cookie 🍪 doughnut 🍩 ice_cream 🍨",
  "apple 🍎 banana 🍌 avocado 🥑 strawberry 🍓 watermelon 🍉 sun_with_face 🌞 sunny ☀️ cloud ☁️",
  "umbrella ☔ snowflake ❄️ rainbow 🌈 ocean 🌊 earth_africa 🌍 earth_americas 🌎 dog 🐶 cat 🐱",
  "mouse 🐭 rabbit 🐰 fox_face 🦊 bear 🐻 panda_face 🐼 koala 🐨 tiger 🐯 lion_face 🦁 cow 🐮 pig 🐷",
  "frog 🐸 monkey 🐒 chicken 🐔 penguin 🐧 bird 🐦 owl 🦉 unicorn 🦄 bee 🐝 bug 🐛 butterfly 🦋 turtle 🐢",
  "snake 🐍 octopus 🐙 fish 🐟 whale 🐳 dolphin 🐬 seedling 🌱 evergreen_tree 🌲 deciduous_tree 🌳",
  "cactus 🌵 palm_tree 🌴 four_leaf_clover 🍀 rose 🌹 sunflower 🌻 tulip 🌷 cherry_blossom 🌸 soccer ⚽",
  "basketball 🏀 football 🏈 tennis 🎾 bicycle 🚲 car 🚗 bus 🚌 train 🚋 airplane ✈️ ship 🚢 house 🏠",
  "office 🏢 hospital 🏥 school 🏫 notes 🎶 guitar 🎸 headphones 🎧 microphone 🎤 movie_camera 🎥",
  "camera 📷 art 🎨 video_game 🎮 game_die 🎲 dart 🎯 sos 🆘 ok 🆗 new 🆕 free 🆓 cool 🆒 up 🆙 top 🔝",
  "soon 🔜 on 🔛 end 🔚 back 🔙 construction 🚧 rotating_light 🚨 checkered_flag 🏁",
  "triangular_flag_on_post 🚩 hourglass_flowing_sand ⏳ crystal_ball 🔮 shrug 🤷 facepalm 🤦",
  "man_shrugging 🤷‍♂️ woman_shrugging 🤷‍♀️ man_facepalming 🤦‍♂️ woman_facepalming 🤦‍♀️ dancer 💃",
  "man_dancing 🕺 running 🏃 walking 🚶",
].join(" ");

let emojiList = null;
export function emojiTable() {
  if (!emojiList) {
    const parts = EMOJI_SOURCE.split(" ");
    emojiList = [];
    for (let i = 0; i + 1 < parts.length; i += 2) emojiList.push({ name: parts[i], emoji: parts[i + 1] });
  }
  return emojiList;
}

function emojiFor(query, limit = 8) {
  const q = query.toLowerCase();
  const table = emojiTable();
  const starts = table.filter((e) => e.name.startsWith(q));
  const inside = table.filter((e) => !e.name.startsWith(q) && e.name.includes(q));
  const seen = new Set();
  const out = [];
  for (const e of [...starts, ...inside]) {
    if (seen.has(e.emoji)) continue; // +1 and thumbsup are the same thumb
    seen.add(e.emoji);
    out.push(e);
    if (out.length >= limit) break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// what is being typed at the caret

/** The mention, channel or emoji being typed before `caret`, or null. */
export function triggerAt(text, caret) {
  const before = text.slice(0, caret);
  const found = /(^|[\s([{"'¿¡,;])([@#:])([^\s@#:]*)$/u.exec(before);
  if (!found) return null;
  const [, , sigil, word] = found;
  const start = caret - word.length - 1;
  if (insideCode(before.slice(0, start))) return null;
  if (sigil === "@" && /^[\p{L}\p{N}._-]*$/u.test(word)) return { kind: "person", start, query: word };
  if (sigil === "#" && /^[\p{L}\p{N}_-]*$/u.test(word)) return { kind: "channel", start, query: word };
  if (sigil === ":" && /^[a-z0-9_+-]{2,}$/i.test(word)) return { kind: "emoji", start, query: word };
  return null;
}

function insideCode(before) {
  const fences = before.split("```").length - 1;
  if (fences % 2) return true;
  const line = before.slice(before.lastIndexOf("\n") + 1).replaceAll("```", "");
  return (line.split("`").length - 1) % 2 === 1;
}

const SPECIAL = ["here", "channel", "everyone"];

function localPeople(query, limit) {
  const out = [];
  for (const user of state.people.values()) {
    if (user.deactivated_at || user.is_bot) continue;
    if (matches(query, user.username, personName(user))) out.push(user);
  }
  out.sort((a, b) => (a.id === state.me?.id) - (b.id === state.me?.id) || personName(a).localeCompare(personName(b)));
  return out.slice(0, limit);
}

function localChannels(query, limit) {
  return [...state.channels.values()]
    .filter((ch) => (ch.kind === "public" || ch.kind === "private") && !ch.archived_at && matches(query, ch.name))
    .sort((a, b) => (b.is_member !== false) - (a.is_member !== false) || a.name.localeCompare(b.name))
    .slice(0, limit);
}

function personItem(user) {
  return {
    key: "u" + user.id,
    label: personName(user),
    detail: "@" + user.username + (user.id === state.me?.id ? ` (${t("ac.you")})` : ""),
    insert: "@" + user.username + " ",
  };
}

function channelItem(ch) {
  return {
    key: "c" + ch.id,
    label: "#" + ch.name,
    detail: ch.is_member === false ? t("ac.not_member") : "",
    lock: ch.kind === "private",
    insert: "#" + ch.name + " ",
  };
}

/** The suggestions for a trigger: what the client knows, then (`server`) what the server found. */
function itemsFor(trigger, server, channelId) {
  const limit = 8;
  if (trigger.kind === "emoji") {
    return emojiFor(trigger.query, limit).map((e) => ({ key: "e" + e.name, label: e.emoji, detail: `:${e.name}:`, insert: e.emoji, emoji: true }));
  }
  if (trigger.kind === "person") {
    const people = new Map(localPeople(trigger.query, limit).map((u) => [u.id, u]));
    for (const user of server?.users || []) people.set(user.id, user);
    const items = [...people.values()].slice(0, limit).map(personItem);
    const ch = state.channels.get(channelId);
    if (ch && ch.kind !== "dm") {
      for (const name of SPECIAL) {
        if (name.startsWith(fold(trigger.query))) {
          items.push({ key: "s" + name, label: "@" + name, detail: t("ac." + name), insert: "@" + name + " " });
        }
      }
    }
    return items;
  }
  const channels = new Map(localChannels(trigger.query, limit).map((ch) => [ch.id, ch]));
  for (const ch of server?.channels || []) if (!ch.archived && !channels.has(ch.id)) channels.set(ch.id, ch);
  return [...channels.values()].slice(0, limit).map(channelItem);
}

// ---------------------------------------------------------------------------------------------
// the addon

const controllers = new WeakMap(); // textarea -> what its suggestions do with a key

function Suggestions({ channelId, box, update, text }) {
  const listId = "ac-" + useId().replace(/[^\w-]/g, "");
  const [trigger, setTrigger] = useState(null);
  const [server, setServer] = useState(null); // { kind, query, users, channels }
  const [active, setActive] = useState(0);
  const dismissed = useRef(null); // the trigger Esc closed: stays closed until another begins

  const look = () => {
    const el = box.current;
    if (!el || document.activeElement !== el) return setTrigger(null);
    const found = triggerAt(el.value, el.selectionStart ?? el.value.length);
    if (!found) dismissed.current = null;
    setTrigger((old) => (same(old, found) ? old : found));
  };
  useEffect(look, [text]);

  // the caret moves without typing (arrows, clicks), and the box loses focus
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const moved = (event) => {
      if (event.type === "keyup" && !["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
      look();
    };
    const left = () => setTimeout(look, 0);
    el.addEventListener("keyup", moved);
    el.addEventListener("click", moved);
    el.addEventListener("blur", left);
    el.addEventListener("focus", moved);
    return () => {
      el.removeEventListener("keyup", moved);
      el.removeEventListener("click", moved);
      el.removeEventListener("blur", left);
      el.removeEventListener("focus", moved);
    };
  }, [box.current]);

  // the server's people or channels, a moment after the typing stops; an older lookup is dropped
  const kind = trigger?.kind;
  const query = trigger?.query;
  useEffect(() => {
    setActive(0);
    if (!kind || kind === "emoji" || !query) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      suggest(query, { signal: abort.signal }).then(
        (found) => setServer({ kind, query, ...found }),
        () => {}, // aborted, or the server cannot say: the local list stays
      );
    }, 150);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [kind, query]);

  const open = trigger && trigger.start !== dismissed.current;
  const answer = server && trigger && server.kind === trigger.kind && server.query === trigger.query ? server : null;
  const items = open ? itemsFor(trigger, answer, channelId) : [];
  const shown = items.length > 0;
  const at = Math.min(active, items.length - 1);
  const optionId = (i) => `${listId}-${i}`;

  const pick = (item) => {
    const el = box.current;
    if (!el || !trigger) return;
    const value = el.value;
    const caret = el.selectionStart ?? value.length;
    let after = value.slice(caret).replace(/^[^\s]*/u, (rest) => (/^[\p{L}\p{N}._-]*$/u.test(rest) ? "" : rest));
    if (item.insert.endsWith(" ") && after.startsWith(" ")) after = after.slice(1);
    const next = value.slice(0, trigger.start) + item.insert + after;
    const position = trigger.start + item.insert.length;
    // the box first, then the composer's state: the caret stays after what was inserted
    el.value = next;
    el.setSelectionRange(position, position);
    update(next);
    dismissed.current = null;
    setTrigger(null);
    el.focus();
  };

  const controller = useRef({});
  controller.current.key = (event) => {
    if (!shown || event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return false;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((at + step + items.length) % items.length);
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey) {
      pick(items[at]);
    } else if (event.key === "Escape") {
      dismissed.current = trigger.start;
      setTrigger({ ...trigger });
      event.stopPropagation(); // Esc closes the suggestions, not the pane
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  };
  useEffect(() => {
    if (box.current) controllers.set(box.current, controller.current);
  }, [box.current]);

  // the textarea points at the list while it is open
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.setAttribute("aria-autocomplete", "list");
    if (shown) {
      el.setAttribute("aria-controls", listId);
      el.setAttribute("aria-activedescendant", optionId(at));
    } else {
      el.removeAttribute("aria-controls");
      el.removeAttribute("aria-activedescendant");
    }
  });
  useEffect(() => () => {
    box.current?.removeAttribute("aria-controls");
    box.current?.removeAttribute("aria-activedescendant");
  }, []);

  const label = t(kind === "person" ? "ac.people" : kind === "channel" ? "ac.channels" : "ac.emoji");
  // the live region is out of the composer's layout (absolutely placed) and always there, so
  // what it says when the list opens is heard
  return html`<p class="visually-hidden" role="status">${shown ? t("ac.count", { n: items.length }) : ""}</p>
    ${shown && html`<div class="autocomplete">
      <div class="ac-list" role="listbox" id=${listId} aria-label=${label}>
        ${items.map((item, i) => html`<div role="option" id=${optionId(i)} key=${item.key} aria-selected=${i === at ? "true" : "false"}
            class=${"ac-option" + (i === at ? " active" : "")}
            onMouseDown=${(e) => e.preventDefault()} onMouseMove=${() => i !== at && setActive(i)} onClick=${() => pick(item)}>
          <span class=${item.emoji ? "ac-emoji" : "ac-label"}>${item.lock ? html`<span aria-hidden="true">🔒 </span>` : ""}${item.label}</span>
          ${item.detail && html`<span class="ac-detail">${item.detail}</span>`}
        </div>`)}
      </div>
    </div>`}`;
}

function same(a, b) {
  return a === b || (a && b && a.kind === b.kind && a.start === b.start && a.query === b.query);
}

registerComposerAddon({
  name: "autocomplete",
  view: Suggestions,
  onKey(event, textarea) {
    return controllers.get(textarea)?.key(event) || false;
  },
});
