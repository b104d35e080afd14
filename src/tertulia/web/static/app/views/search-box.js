// The search box of the top bar: operator hints as the person types (people after from:@,
// channels after in:#, today's date after a date operator); Enter opens the search pane.
import { html, useEffect, useRef, useState } from "../lib/html.js";
import { state } from "../lib/store.js";
import { t } from "../lib/i18n.js";
import { openPane } from "./pane.js";
import { suggest, matches } from "./autocomplete.js";

const OPERATORS = [
  { syntax: "from:@", key: "from" },
  { syntax: "in:#", key: "in" },
  { syntax: "mentions:@", key: "mentions" },
  { syntax: "has:file", key: "has_file" },
  { syntax: "has:link", key: "has_link" },
  { syntax: "has:reaction", key: "has_reaction" },
  { syntax: "is:thread", key: "is_thread" },
  { syntax: "is:pinned", key: "is_pinned" },
  { syntax: "before:", key: "before", date: true },
  { syntax: "after:", key: "after", date: true },
  { syntax: "on:", key: "on", date: true },
];

function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The word at the caret: where it starts and what it is so far. */
function tokenAt(value, caret) {
  const start = value.lastIndexOf(" ", caret - 1) + 1;
  return { start, token: value.slice(start, caret) };
}

/** The hints for the word being typed: `[{ key, syntax, text, insert, back }]`. */
function hintsFor(token, server) {
  const who = /^(-?)(from|mentions):@?(.*)$/i.exec(token);
  if (who) {
    const [, minus, op, name] = who;
    const people = new Map();
    for (const user of state.people.values()) if (matches(name, user.username, user.display_name)) people.set(user.id, user);
    if (server?.query === name) for (const user of server.users) people.set(user.id, user);
    return [...people.values()].slice(0, 8).map((user) => ({
      key: "u" + user.id,
      syntax: `${minus}${op}:@${user.username}`,
      text: t("search.op.person", { name: user.display_name || user.username }),
      insert: `${minus}${op}:@${user.username} `,
    }));
  }
  const where = /^(-?)in:#?(.*)$/i.exec(token);
  if (where) {
    const [, minus, name] = where;
    const channels = new Map();
    for (const ch of state.channels.values()) {
      if ((ch.kind === "public" || ch.kind === "private") && matches(name, ch.name)) channels.set(ch.id, ch);
    }
    if (server?.query === name) for (const ch of server.channels) channels.set(ch.id, ch);
    return [...channels.values()].slice(0, 8).map((ch) => ({
      key: "c" + ch.id,
      syntax: `${minus}in:#${ch.name}`,
      text: t("search.op.channel", { name: ch.name }),
      insert: `${minus}in:#${ch.name} `,
    }));
  }
  const date = /^(-?)(before|after|on):(.*)$/i.exec(token);
  if (date) {
    const op = OPERATORS.find((o) => o.syntax === date[2].toLowerCase() + ":");
    if (/^\d{4}-\d{2}-\d{2}$/.test(date[3])) return [];
    return [{ key: op.key, syntax: `${op.syntax}YYYY-MM-DD`, text: t("search.op." + op.key), insert: `${op.syntax}${today()} ` }];
  }
  const lower = token.toLowerCase();
  const bare = lower.replace(/^-/, "");
  const found = OPERATORS.filter((o) => o.syntax.startsWith(bare) && o.syntax !== bare).map((o) => ({
    key: o.key,
    syntax: o.date ? `${o.syntax}YYYY-MM-DD` : o.syntax,
    text: t("search.op." + o.key),
    insert: (lower.startsWith("-") ? "-" : "") + (o.date ? `${o.syntax}${today()} ` : o.syntax.endsWith("@") || o.syntax.endsWith("#") ? o.syntax : o.syntax + " "),
  }));
  if (!token) {
    found.push(
      { key: "phrase", syntax: "\"…\"", text: t("search.op.phrase"), insert: "\"\"", back: 1 },
      { key: "exclude", syntax: "-word", text: t("search.op.exclude"), insert: "-" },
      { key: "prefix", syntax: "word*", text: t("search.op.prefix"), insert: "" },
    );
  } else if (!found.length && /^[\p{L}\p{N}_-]{2,}$/u.test(token) && !token.startsWith("-")) {
    found.push({ key: "prefix", syntax: token + "*", text: t("search.op.prefix"), insert: token + "* " });
  }
  return found;
}

export function SearchBox() {
  const input = useRef(null);
  const current = state.pane?.kind === "search" ? state.pane.query : "";
  const [value, setValue] = useState(current);
  const [caret, setCaret] = useState(0);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1); // none: Enter searches
  const [server, setServer] = useState(null);

  // a search opened elsewhere (a link, the pane) shows its words here
  useEffect(() => {
    if (current && document.activeElement !== input.current) setValue(current);
  }, [current]);

  const { start, token } = tokenAt(value, caret);
  const name = /^-?(?:from|mentions):@?(.*)$/i.exec(token)?.[1] ?? /^-?in:#?(.*)$/i.exec(token)?.[1] ?? null;
  useEffect(() => {
    if (!name) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      suggest(name, { signal: abort.signal }).then((found) => setServer({ query: name, ...found }), () => {});
    }, 150);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [name]);

  const hints = open ? hintsFor(token, server) : [];
  const shown = hints.length > 0;
  const at = active < hints.length ? active : -1;

  const typed = (event) => {
    setValue(event.target.value);
    setCaret(event.target.selectionStart ?? event.target.value.length);
    setOpen(true);
    setActive(-1);
  };
  const moved = (event) => setCaret(event.target.selectionStart ?? value.length);

  const apply = (hint) => {
    const el = input.current;
    const rest = value.slice(caret).replace(/^\S*/, "");
    const next = value.slice(0, start) + hint.insert + rest.replace(/^ /, hint.insert.endsWith(" ") ? "" : " ");
    const position = start + hint.insert.length - (hint.back || 0);
    el.value = next;
    el.setSelectionRange(position, position);
    setValue(next);
    setCaret(position);
    setActive(-1);
    el.focus();
  };

  const submit = (event) => {
    event?.preventDefault();
    const query = value.trim();
    if (!query) return;
    setOpen(false);
    openPane({ kind: "search", query, at: Date.now(), opener: input.current });
  };

  const onKey = (event) => {
    if (event.isComposing) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) return setOpen(true);
      if (!shown) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive(at === -1 ? (step > 0 ? 0 : hints.length - 1) : (at + step + hints.length) % hints.length);
    } else if (event.key === "Enter" && shown && at >= 0) {
      event.preventDefault();
      apply(hints[at]);
    } else if (event.key === "Tab" && shown && at >= 0 && !event.shiftKey) {
      event.preventDefault();
      apply(hints[at]);
    } else if (event.key === "Escape" && shown) {
      event.preventDefault();
      event.stopPropagation(); // the hints close, not the pane
      setOpen(false);
    }
  };

  return html`<form class="search-box" role="search" aria-label=${t("search.label")} onSubmit=${submit}>
    <label class="visually-hidden" for="search-input">${t("search.input")}</label>
    <input id="search-input" ref=${input} type="search" role="combobox" value=${value} maxlength="500"
      placeholder=${t("search.placeholder")} autocomplete="off" spellcheck="false" enterkeyhint="search"
      aria-expanded=${shown ? "true" : "false"} aria-autocomplete="list" aria-controls=${shown ? "search-hints" : undefined}
      aria-activedescendant=${shown && at >= 0 ? "search-hint-" + at : undefined}
      onInput=${typed} onKeyDown=${onKey} onKeyUp=${moved} onClick=${moved}
      onFocus=${(e) => (moved(e), setOpen(true))} onBlur=${() => setOpen(false)} />
    <button type="submit" class="icon search-submit" aria-label=${t("search.submit")} title=${t("search.submit")}>⌕</button>
    ${shown && html`<div class="search-hints" id="search-hints" role="listbox" aria-label=${t("search.hints")}>
      ${hints.map((hint, i) => html`<div role="option" id=${"search-hint-" + i} key=${hint.key}
          aria-selected=${i === at ? "true" : "false"} class=${"search-hint" + (i === at ? " active" : "")}
          onMouseDown=${(e) => e.preventDefault()} onClick=${() => apply(hint)}>
        <code>${hint.syntax}</code> <span>${hint.text}</span>
      </div>`)}
    </div>`}
  </form>`;
}

// ---------------------------------------------------------------------------------------------
// the pane of results
