// The quick switcher: Ctrl/Cmd+K opens a dialog to jump to a channel or a person by name.
// A combobox over a listbox (ARIA 1.2): arrows move, Enter goes, Esc closes. With nothing typed
// it lists the channels with unread messages and the ones visited lately; typing asks the
// server's autocomplete (after what the client already knows). A person opens your DM with them.
import { html, render, useEffect, useRef, useState } from "../lib/html.js";
import { state, changed, channelTitle, useStore } from "../lib/store.js";
import { t, addStrings, problemText } from "../lib/i18n.js";
import { post } from "../lib/api.js";
import { go, onRoute } from "../lib/router.js";
import { bind } from "./keys.js";
import { suggest, matches } from "./autocomplete.js";

addStrings({
  en: {
    "switcher.title": "Jump to a channel or person",
    "switcher.input": "Channel or person",
    "switcher.placeholder": "Where to?",
    "switcher.results": "Channels and people",
    "switcher.channels": "Channels",
    "switcher.people": "People",
    "switcher.dms": "Direct messages",
    "switcher.none": "Nothing matches “{query}”.",
    "switcher.hint": "↑ ↓ to move, Enter to go, Esc to close",
    "switcher.unread": ({ n }) => (n === 1 ? "1 unread" : `${n} unread`),
    "switcher.mentions": ({ n }) => (n === 1 ? "1 mention" : `${n} mentions`),
    "switcher.not_member": "not a member",
    "switcher.archived": "archived",
    "switcher.you": "you",
  },
  es: {
    "switcher.title": "Ir a un canal o una persona",
    "switcher.input": "Canal o persona",
    "switcher.placeholder": "¿A dónde?",
    "switcher.results": "Canales y personas",
    "switcher.channels": "Canales",
    "switcher.people": "Personas",
    "switcher.dms": "Mensajes directos",
    "switcher.none": "Nada coincide con «{query}».",
    "switcher.hint": "↑ ↓ para moverte, Intro para ir, Esc para cerrar",
    "switcher.unread": ({ n }) => (n === 1 ? "1 sin leer" : `${n} sin leer`),
    "switcher.mentions": ({ n }) => (n === 1 ? "1 mención" : `${n} menciones`),
    "switcher.not_member": "no eres miembro",
    "switcher.archived": "archivado",
    "switcher.you": "tú",
  },
});

// the channels visited lately, newest first, kept in the state (so logout forgets them)
onRoute((route) => {
  if (route.view !== "channel" || !route.channelId) return;
  state.recentChannels = [route.channelId, ...(state.recentChannels || []).filter((id) => id !== route.channelId)].slice(0, 20);
});

const isDm = (ch) => ch.kind === "dm" || ch.kind === "group_dm";

function channelEntry(ch) {
  const known = state.channels.get(ch.id) || ch;
  const details = [];
  if (known.mentions) details.push(t("switcher.mentions", { n: known.mentions }));
  else if (known.unread_messages && !known.muted) details.push(t("switcher.unread", { n: known.unread_messages }));
  if (known.is_member === false) details.push(t("switcher.not_member"));
  if (known.archived_at || ch.archived) details.push(t("switcher.archived"));
  return {
    key: "c" + ch.id,
    kind: "channel",
    id: ch.id,
    group: isDm(known) ? "dms" : "channels",
    label: isDm(known) ? channelTitle(known) : "#" + known.name,
    lock: known.kind === "private",
    detail: details.join(", "),
    unread: Boolean(known.unread_messages && !known.muted) || Boolean(known.mentions),
  };
}

function personEntry(user) {
  const me = user.id === state.me?.id;
  return {
    key: "u" + user.id,
    kind: "person",
    id: user.id,
    group: "people",
    label: user.display_name || user.username,
    detail: "@" + user.username + (me ? ` (${t("switcher.you")})` : ""),
  };
}

/** Nothing typed: channels with mentions, then unread, then visited lately, then the rest
 * (the one open now last). */
function suggestionsAtRest() {
  const mine = [...state.channels.values()].filter((ch) => ch.is_member !== false && !ch.archived_at);
  const recent = state.recentChannels || [];
  const rank = (ch) => {
    if (ch.mentions) return 0;
    if (ch.unread_messages && !ch.muted) return 1;
    if (ch.id === state.route.channelId) return 4; // where the person is already: last
    const at = recent.indexOf(ch.id);
    return at >= 0 ? 2 + at / 100 : 3;
  };
  return mine
    .sort((a, b) => rank(a) - rank(b) || channelTitle(a).localeCompare(channelTitle(b)))
    .slice(0, 12)
    .map(channelEntry);
}

/** Something typed: what the client knows that matches, with the server's answer once in. */
function suggestionsFor(query, answer) {
  const channels = new Map();
  const people = new Map();
  for (const ch of state.channels.values()) {
    // a 1:1 DM is found as its person (choosing them opens it); a group DM by its people
    if (isDm(ch)) {
      if (ch.kind === "group_dm" && matches(query, channelTitle(ch))) channels.set(ch.id, ch);
    } else if (matches(query, ch.name)) {
      channels.set(ch.id, ch);
    }
  }
  for (const user of state.people.values()) {
    if (matches(query, user.username, user.display_name)) people.set(user.id, user);
  }
  for (const ch of answer?.channels || []) if (!channels.has(ch.id)) channels.set(ch.id, ch);
  for (const user of answer?.users || []) people.set(user.id, user);
  const sortedChannels = [...channels.values()].sort(
    (a, b) => Boolean(a.archived_at || a.archived) - Boolean(b.archived_at || b.archived) ||
      (b.is_member !== false) - (a.is_member !== false) ||
      channelTitle(a).localeCompare(channelTitle(b)),
  );
  const sortedPeople = [...people.values()].sort(
    (a, b) => (a.id === state.me?.id) - (b.id === state.me?.id) ||
      (a.display_name || a.username).localeCompare(b.display_name || b.username),
  );
  return [...sortedChannels.slice(0, 8).map(channelEntry), ...sortedPeople.slice(0, 8).map(personEntry)];
}

/** A person's DM, opened (the same one every time: the server's answer is idempotent). */
async function dmWith(userId) {
  const ch = await post(`/workspaces/${state.workspaceId}/dms`, { user_ids: [userId] });
  const known = state.channels.get(ch.id);
  state.channels.set(ch.id, { unread_messages: 0, mentions: 0, last_read_seq: 0, latest_seq: 0, ...known, ...ch, is_member: true });
  changed();
  return ch.id;
}

function Switcher({ close }) {
  const s = useStore();
  const dialog = useRef(null);
  const input = useRef(null);
  const [query, setQuery] = useState("");
  const [answer, setAnswer] = useState(null);
  const [active, setActive] = useState(0);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    dialog.current.showModal();
    input.current.focus();
  }, []);
  useEffect(() => {
    if (s.phase !== "ready") close(false); // logged out, or another account: nothing stays open
  }, [s.phase]);

  const words = query.trim();
  useEffect(() => {
    setActive(0);
    if (!words) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      suggest(words, { limit: 8, signal: abort.signal }).then(
        (found) => setAnswer({ query: words, ...found }),
        () => {}, // aborted, or the server cannot say: the local list stays
      );
    }, 120);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [words]);

  const items = words ? suggestionsFor(words, answer?.query === words ? answer : null) : suggestionsAtRest();
  const at = Math.min(active, items.length - 1);

  const choose = async (item) => {
    if (!item || busy) return;
    setError(null);
    let channelId = item.id;
    if (item.kind === "person") {
      setBusy(true);
      try {
        channelId = await dmWith(item.id);
      } catch (problem) {
        setBusy(false);
        setError(problemText(problem));
        return;
      }
    }
    close(true);
    go({ view: "channel", workspaceId: state.workspaceId, channelId });
  };

  const onKey = (event) => {
    if (event.isComposing) return;
    const move = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (move && items.length) {
      event.preventDefault();
      setActive((at + move + items.length) % items.length);
    } else if (event.key === "Home" && event.ctrlKey) {
      event.preventDefault();
      setActive(0);
    } else if (event.key === "End" && event.ctrlKey) {
      event.preventDefault();
      setActive(items.length - 1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      choose(items[at]);
    }
  };
  const onDialogKey = (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation(); // the switcher closes; an open pane stays
      close(false);
    }
  };

  useEffect(() => {
    document.getElementById("switcher-option-" + at)?.scrollIntoView({ block: "nearest" });
  }, [at, items.length]);

  const groups = [];
  for (const [i, item] of items.entries()) {
    let group = groups[groups.length - 1];
    if (!group || group.name !== item.group) groups.push((group = { name: item.group, items: [] }));
    group.items.push([i, item]);
  }

  return html`<dialog class="switcher" ref=${dialog} aria-labelledby="switcher-title" onKeyDown=${onDialogKey}
      onCancel=${(e) => (e.preventDefault(), close(false))}
      onClick=${(e) => e.target === dialog.current && close(false)}>
    <div class="switcher-body">
      <h2 id="switcher-title" class="switcher-title">${t("switcher.title")}</h2>
      <label class="visually-hidden" for="switcher-input">${t("switcher.input")}</label>
      <input id="switcher-input" ref=${input} type="text" role="combobox" autocomplete="off" spellcheck="false"
        placeholder=${t("switcher.placeholder")} value=${query} maxlength="100"
        aria-expanded=${items.length ? "true" : "false"} aria-controls="switcher-list" aria-autocomplete="list"
        aria-activedescendant=${items.length ? "switcher-option-" + at : undefined} aria-describedby="switcher-hint"
        onInput=${(e) => setQuery(e.target.value)} onKeyDown=${onKey} />
      <div class="switcher-list" id="switcher-list" role="listbox" aria-label=${t("switcher.results")} aria-busy=${busy ? "true" : "false"}>
        ${groups.map((group) => html`<div role="group" key=${group.name} aria-labelledby=${"switcher-group-" + group.name}>
          <div class="switcher-group" role="presentation" id=${"switcher-group-" + group.name}>${t("switcher." + group.name)}</div>
          ${group.items.map(([i, item]) => html`<div role="option" key=${item.key} id=${"switcher-option-" + i}
              aria-selected=${i === at ? "true" : "false"} class=${"switcher-option" + (i === at ? " active" : "") + (item.unread ? " unread" : "")}
              onMouseDown=${(e) => e.preventDefault()} onMouseMove=${() => i !== at && setActive(i)} onClick=${() => choose(item)}>
            <span class="switcher-label">${item.lock ? html`<span aria-hidden="true">🔒 </span>` : ""}${item.label}</span>
            ${item.detail && html`<span class="switcher-detail">${item.detail}</span>`}
          </div>`)}
        </div>`)}
      </div>
      ${!items.length && words && html`<p class="switcher-none" role="status">${t("switcher.none", { query: words })}</p>`}
      ${error && html`<p class="switcher-error" role="alert">${error}</p>`}
      <p class="hint" id="switcher-hint">${t("switcher.hint")}</p>
    </div>
  </dialog>`;
}

let host = null; // the switcher's own root while it is open
let returnTo = null;

function open() {
  if (state.phase !== "ready" || !state.workspaceId) return false;
  if (host) {
    document.getElementById("switcher-input")?.select();
    return true;
  }
  returnTo = document.activeElement;
  host = document.createElement("div");
  document.body.append(host);
  render(html`<${Switcher} close=${shut} />`, host);
  return true;
}

/** Close the switcher: focus goes to the composer after a jump, else back where it was. */
function shut(jumped) {
  if (!host) return;
  const root = host;
  host = null;
  root.querySelector("dialog")?.close();
  setTimeout(() => {
    render(null, root); // after the event (or effect) that closed it has run its course
    root.remove();
  }, 0);
  if (jumped) {
    setTimeout(() => document.getElementById("composer")?.focus(), 0);
  } else {
    returnTo?.focus?.();
  }
  returnTo = null;
}

bind("mod+k", open);

export { open as openSwitcher };
