// Reactions: under each message its emoji as toggle buttons (yours pressed; who reacted in the
// tooltip and the accessible name), and a small emoji picker (a grid of common emoji named in
// English and Spanish, filterable, arrow keys to move, Esc to close) to add one.
import { html, render, useLayoutEffect, useRef, useState } from "../lib/html.js";
import { state, changed, displayName, notice, subscribe } from "../lib/store.js";
import { t, lang, addStrings, problemText } from "../lib/i18n.js";
import { put, del } from "../lib/api.js";
import { remember } from "../lib/timeline.js";
import { registerMessagePart, registerMessageAction } from "./message.js";

// The picker's emoji: common ones, each fully qualified (the form the server stores, so a
// reaction from here and one from elsewhere are the same button), with its CLDR-style name in
// both languages and a few words people search by (Slack/GitHub shortcodes among them).
export const EMOJI = [
  ["👍", "thumbs up", "pulgar hacia arriba", "+1 like yes ok sí vale"],
  ["👎", "thumbs down", "pulgar hacia abajo", "-1 dislike no"],
  ["❤️", "red heart", "corazón rojo", "love heart amor"],
  ["😂", "face with tears of joy", "cara llorando de risa", "joy lol laugh risa jaja"],
  ["🤣", "rolling on the floor laughing", "cara revolviéndose de la risa", "rofl lol risa"],
  ["😀", "grinning face", "cara sonriendo", "grinning smile happy feliz"],
  ["😊", "smiling face with smiling eyes", "cara feliz con ojos sonrientes", "blush smile happy feliz"],
  ["🙂", "slightly smiling face", "cara sonriendo ligeramente", "smile sonrisa"],
  ["😉", "winking face", "cara guiñando el ojo", "wink guiño"],
  ["😍", "smiling face with heart-eyes", "cara sonriendo con ojos de corazón", "heart_eyes love amor"],
  ["😅", "grinning face with sweat", "cara sonriendo con sudor frío", "sweat_smile phew uf"],
  ["😎", "smiling face with sunglasses", "cara sonriendo con gafas de sol", "sunglasses cool guay"],
  ["🤔", "thinking face", "cara pensativa", "thinking hmm pensar"],
  ["😮", "face with open mouth", "cara con la boca abierta", "open_mouth wow surprise sorpresa"],
  ["🤯", "exploding head", "cabeza explotando", "mind blown wow"],
  ["😬", "grimacing face", "cara haciendo una mueca", "grimacing awkward incómodo"],
  ["😢", "crying face", "cara llorando", "cry sad triste"],
  ["😭", "loudly crying face", "cara llorando fuerte", "sob sad triste"],
  ["😡", "enraged face", "cara cabreada", "rage angry enfadado"],
  ["😴", "sleeping face", "cara durmiendo", "sleeping zzz sueño"],
  ["🥳", "partying face", "cara de fiesta", "party celebrate fiesta"],
  ["🤷", "person shrugging", "persona encogiéndose de hombros", "shrug no sé"],
  ["🙏", "folded hands", "manos en oración", "pray thanks please gracias por favor"],
  ["👏", "clapping hands", "manos aplaudiendo", "clap bravo aplauso"],
  ["🙌", "raising hands", "manos levantadas celebrando", "raised_hands hooray celebrar"],
  ["👋", "waving hand", "mano saludando", "wave hello bye hola adiós"],
  ["🤝", "handshake", "apretón de manos", "handshake deal trato acuerdo"],
  ["💪", "flexed biceps", "bíceps flexionado", "muscle strong fuerza ánimo"],
  ["👌", "OK hand", "mano haciendo el signo de aprobación", "ok_hand perfect perfecto"],
  ["✌️", "victory hand", "mano con señal de victoria", "v peace paz"],
  ["👀", "eyes", "ojos", "eyes look looking mirar"],
  ["🎉", "party popper", "cañón de confeti", "tada celebrate hooray fiesta"],
  ["🔥", "fire", "fuego", "fire lit hot"],
  ["✅", "check mark button", "botón de marca de verificación", "white_check_mark done yes hecho sí"],
  ["❌", "cross mark", "marca de cruz", "x no wrong mal"],
  ["💯", "hundred points", "cien puntos", "100 perfect perfecto"],
  ["🚀", "rocket", "cohete", "rocket ship launch lanzamiento"],
  ["⭐", "star", "estrella", "star favourite favorito"],
  ["💡", "light bulb", "bombilla", "bulb idea"],
  ["⚠️", "warning", "advertencia", "warning careful cuidado aviso"],
  ["❓", "red question mark", "signo de interrogación rojo", "question pregunta duda"],
  ["➕", "plus", "más", "heavy_plus_sign plus add añadir"],
  ["☕", "hot beverage", "bebida caliente", "coffee tea café té"],
  ["🍕", "pizza", "pizza", "pizza food comida"],
  ["🎂", "birthday cake", "tarta de cumpleaños", "birthday cake cumpleaños pastel"],
  ["🐛", "bug", "bicho", "bug error fallo"],
  ["📌", "pushpin", "chincheta", "pushpin pin fijar"],
  ["🏁", "chequered flag", "bandera de cuadros", "checkered_flag finish done meta"],
];

const NAMES = new Map(EMOJI.map(([emoji, en, es]) => [emoji, { en, es }]));
const COLUMNS = 8; // the picker's grid; arrow keys move by one, up and down by a row

/** An emoji's name in the person's language (the emoji itself for one we have no name for). */
export function emojiName(emoji) {
  return NAMES.get(emoji)?.[lang()] || emoji;
}

addStrings({
  en: {
    "reactions.label": "Reactions",
    "reactions.add": "Add reaction",
    "reactions.picker": "Choose a reaction",
    "reactions.filter": "Find an emoji",
    "reactions.grid": "Emoji",
    "reactions.none": "No emoji matches.",
    "reactions.you": "You",
    "reactions.others": ({ n }) => (n === 1 ? "1 other" : `${n} others`),
    "reactions.who": "Reacted with {emoji}: {people}",
    "reactions.button": ({ emoji, n, people }) => `${emoji}, ${n === 1 ? "1 reaction" : `${n} reactions`}: ${people}`,
  },
  es: {
    "reactions.label": "Reacciones",
    "reactions.add": "Añadir reacción",
    "reactions.picker": "Elige una reacción",
    "reactions.filter": "Busca un emoji",
    "reactions.grid": "Emojis",
    "reactions.none": "Ningún emoji coincide.",
    "reactions.you": "Tú",
    "reactions.others": ({ n }) => (n === 1 ? "1 persona más" : `${n} personas más`),
    "reactions.who": "Reacciones con {emoji}: {people}",
    "reactions.button": ({ emoji, n, people }) => `${emoji}, ${n === 1 ? "1 reacción" : `${n} reacciones`}: ${people}`,
  },
});

/** Who reacted, as a sentence's list: you first, then the names the server sent, then how
 * many more (the server names only the first few). */
function who(reaction) {
  const names = [];
  if (reaction.me) names.push(t("reactions.you"));
  for (const id of reaction.user_ids || []) if (id !== state.me?.id) names.push(displayName(id));
  const more = reaction.count - names.length;
  if (more > 0) names.push(t("reactions.others", { n: more }));
  return new Intl.ListFormat(lang(), { type: "conjunction" }).format(names);
}

async function toggle(messageId, emoji, on) {
  const path = `/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`;
  try {
    remember(await (on ? put(path) : del(path)));
    changed();
  } catch (error) {
    notice(problemText(error), "error");
  }
}

function Reactions({ message }) {
  const reactions = message.reactions || [];
  if (!reactions.length) return null;
  return html`<div class="reactions" role="group" aria-label=${t("reactions.label")}>
    ${reactions.map((r) => {
      const people = who(r);
      const name = emojiName(r.emoji);
      return html`<button type="button" key=${r.emoji} class=${"reaction" + (r.me ? " mine" : "")}
          aria-pressed=${r.me ? "true" : "false"} aria-label=${t("reactions.button", { emoji: name, n: r.count, people })}
          title=${t("reactions.who", { emoji: name, people })} onClick=${() => toggle(message.id, r.emoji, !r.me)}>
        <span class="reaction-emoji" aria-hidden="true">${r.emoji}</span>
        <span class="reaction-count" aria-hidden="true">${r.count}</span>
      </button>`;
    })}
    <button type="button" class="reaction add-reaction" aria-label=${t("reactions.add")} title=${t("reactions.add")}
      onClick=${(e) => openPicker(message.id, e.currentTarget)}><span aria-hidden="true">☺+</span></button>
  </div>`;
}

registerMessagePart("reactions", Reactions);

registerMessageAction({
  name: "react",
  icon: "☺",
  label: () => t("reactions.add"),
  run: (message, event) => openPicker(message.id, event.currentTarget),
  shown: (message) => !message.deleted,
});

// the picker ----------------------------------------------------------------------------------

let picker = null; // { container, opener, stop() } while one is open

/** Open the picker beside `opener` for a message; picking reacts with the emoji. */
export function openPicker(messageId, opener) {
  closePicker(false);
  const container = document.createElement("div");
  document.body.append(container);
  const outside = (event) => {
    if (!container.contains(event.target) && event.target !== opener) closePicker(false);
  };
  document.addEventListener("pointerdown", outside, true);
  // logout or another workspace: the picker of the last screen goes with it
  const unsubscribe = subscribe(() => {
    if (state.phase !== "ready" || !state.messages.has(messageId)) closePicker(false);
  });
  picker = {
    container,
    opener,
    stop() {
      document.removeEventListener("pointerdown", outside, true);
      unsubscribe();
    },
  };
  render(html`<${Picker} messageId=${messageId} opener=${opener} />`, container);
}

/** Close the picker; `refocus` gives the focus back to what opened it (Esc, a choice). */
export function closePicker(refocus = true) {
  if (!picker) return;
  const { container, opener, stop } = picker;
  picker = null;
  stop();
  render(null, container);
  container.remove();
  if (refocus) returnFocus(opener);
}

function returnFocus(opener) {
  if (!opener?.isConnected) return;
  // a toolbar's button shows only while its message has the focus: focus the message first
  opener.closest("article")?.focus({ preventScroll: true });
  opener.focus({ preventScroll: true });
}

function matches(entry, query) {
  if (!query) return true;
  const words = entry.slice(1).join(" ").toLowerCase();
  const plain = (text) => text.normalize("NFD").replace(/\p{M}/gu, "");
  return plain(words).includes(plain(query.toLowerCase()));
}

function Picker({ messageId, opener }) {
  const box = useRef(null);
  const grid = useRef(null);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const shown = EMOJI.filter((entry) => matches(entry, query.trim()));
  const at = Math.min(active, Math.max(0, shown.length - 1));

  // beside its opener, inside the window: below it if there is room, else above
  useLayoutEffect(() => {
    const el = box.current;
    const anchor = opener.getBoundingClientRect();
    const width = el.offsetWidth;
    const height = el.offsetHeight;
    const below = anchor.bottom + 6 + height <= innerHeight;
    el.style.top = `${Math.max(6, below ? anchor.bottom + 6 : anchor.top - 6 - height)}px`;
    el.style.left = `${Math.max(6, Math.min(anchor.right - width, innerWidth - width - 6))}px`;
    el.querySelector("input").focus();
  }, []);

  const pick = (emoji) => {
    closePicker(true);
    toggle(messageId, emoji, true);
  };
  const focusAt = (index) => {
    const next = Math.max(0, Math.min(shown.length - 1, index));
    setActive(next);
    grid.current?.querySelectorAll("button")[next]?.focus();
  };
  const onKey = (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation(); // the pane under it stays open
      closePicker(true);
    }
  };
  const onFilterKey = (event) => {
    if (event.key === "ArrowDown" && shown.length) {
      event.preventDefault();
      focusAt(at);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (shown.length) pick(shown[at][0]);
    }
  };
  const onGridKey = (event) => {
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLUMNS, ArrowUp: -COLUMNS };
    if (event.key in moves) {
      event.preventDefault();
      if (event.key === "ArrowUp" && at < COLUMNS) box.current.querySelector("input").focus();
      else focusAt(at + moves[event.key]);
    } else if (event.key === "Home") {
      event.preventDefault();
      focusAt(event.ctrlKey ? 0 : at - (at % COLUMNS));
    } else if (event.key === "End") {
      event.preventDefault();
      focusAt(event.ctrlKey ? shown.length - 1 : at - (at % COLUMNS) + COLUMNS - 1);
    }
  };

  return html`<div class="emoji-picker" ref=${box} role="dialog" aria-label=${t("reactions.picker")} onKeyDown=${onKey}>
    <input type="search" class="emoji-filter" value=${query} aria-label=${t("reactions.filter")} placeholder=${t("reactions.filter")}
      autocomplete="off" onInput=${(e) => (setQuery(e.target.value), setActive(0))} onKeyDown=${onFilterKey} />
    ${shown.length
      ? html`<div class="emoji-grid" role="group" aria-label=${t("reactions.grid")} ref=${grid} onKeyDown=${onGridKey}>
          ${shown.map(([emoji], index) => {
            const name = emojiName(emoji);
            return html`<button type="button" key=${emoji} class="emoji-choice" tabindex=${index === at ? "0" : "-1"}
              aria-label=${name} title=${name} onFocus=${() => setActive(index)} onClick=${() => pick(emoji)}>${emoji}</button>`;
          })}
        </div>`
      : html`<p class="emoji-none" role="status">${t("reactions.none")}</p>`}
  </div>`;
}
