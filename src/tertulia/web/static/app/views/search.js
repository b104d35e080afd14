// Search: the box in the top bar (with hints for the operators as the person types, people
// after `from:@` and channels after `in:#`), and the pane of results: messages grouped by
// channel with their highlighted snippets, a click away from the message in its place, and
// files in a tab of their own. The snippets' <mark>s are built here from the server's markers,
// as elements holding text: no string of the server is ever inserted as HTML.
import { html, useEffect, useRef, useState } from "../lib/html.js";
import { state, channelTitle, displayName } from "../lib/store.js";
import { t, addStrings, when, problemText } from "../lib/i18n.js";
import { get } from "../lib/api.js";
import { href, follow } from "../lib/router.js";
import { fillTopBar } from "./topbar.js";
import { registerPane, openPane, closePane } from "./pane.js";
import { rememberPeople } from "./autocomplete.js";
import { SearchBox } from "./search-box.js";
import { FileCard } from "./files.js";

addStrings({
  en: {
    "search.label": "Search",
    "search.input": "Search messages and files",
    "search.placeholder": "Search",
    "search.submit": "Search",
    "search.hints": "Search operators",
    "search.title": "Search: {query}",
    "search.tabs": "What to search",
    "search.messages": "Messages",
    "search.files": "Files",
    "search.sort": "Sort by",
    "search.sort.relevance": "Relevance",
    "search.sort.recent": "Newest first",
    "search.total": ({ n }) => (n === 1 ? "1 result" : `${n.toLocaleString("en")} results`),
    "search.total_about": ({ n }) => `About ${n.toLocaleString("en")} results`,
    "search.files_shown": ({ n, more }) => (n === 1 && !more ? "1 file" : `${n}${more ? "+" : ""} files`),
    "search.none": "No messages match “{query}”.",
    "search.none_files": "No files match “{query}”.",
    "search.loading": "Searching…",
    "search.more": "More results",
    "search.in_thread": "in a thread",
    "search.dm": "Direct message",
    "search.result": "Message from {who}",
    "search.file.show": "Show in {where}",
    "search.file.unshared": "not shared yet",
    "search.op.from": "messages by a person",
    "search.op.mentions": "messages that mention a person",
    "search.op.in": "messages in a channel",
    "search.op.has_file": "messages with a file",
    "search.op.has_link": "messages with a link",
    "search.op.has_reaction": "messages with reactions",
    "search.op.is_thread": "messages in threads",
    "search.op.is_pinned": "pinned messages",
    "search.op.before": "before a day",
    "search.op.after": "after a day",
    "search.op.on": "on a day",
    "search.op.phrase": "these words, in this order",
    "search.op.exclude": "leave out messages with a word",
    "search.op.prefix": "words that start like this",
    "search.op.person": "by {name}",
    "search.op.channel": "in #{name}",
  },
  es: {
    "search.label": "Buscar",
    "search.input": "Buscar mensajes y archivos",
    "search.placeholder": "Buscar",
    "search.submit": "Buscar",
    "search.hints": "Operadores de búsqueda",
    "search.title": "Búsqueda: {query}",
    "search.tabs": "Qué buscar",
    "search.messages": "Mensajes",
    "search.files": "Archivos",
    "search.sort": "Ordenar por",
    "search.sort.relevance": "Relevancia",
    "search.sort.recent": "Más recientes",
    "search.total": ({ n }) => (n === 1 ? "1 resultado" : `${n.toLocaleString("es")} resultados`),
    "search.total_about": ({ n }) => `Unos ${n.toLocaleString("es")} resultados`,
    "search.files_shown": ({ n, more }) => (n === 1 && !more ? "1 archivo" : `${n}${more ? "+" : ""} archivos`),
    "search.none": "Ningún mensaje coincide con «{query}».",
    "search.none_files": "Ningún archivo coincide con «{query}».",
    "search.loading": "Buscando…",
    "search.more": "Más resultados",
    "search.in_thread": "en un hilo",
    "search.dm": "Mensaje directo",
    "search.result": "Mensaje de {who}",
    "search.file.show": "Ver en {where}",
    "search.file.unshared": "sin compartir aún",
    "search.op.from": "mensajes de una persona",
    "search.op.mentions": "mensajes que mencionan a alguien",
    "search.op.in": "mensajes de un canal",
    "search.op.has_file": "mensajes con un archivo",
    "search.op.has_link": "mensajes con un enlace",
    "search.op.has_reaction": "mensajes con reacciones",
    "search.op.is_thread": "mensajes en hilos",
    "search.op.is_pinned": "mensajes fijados",
    "search.op.before": "antes de un día",
    "search.op.after": "después de un día",
    "search.op.on": "un día concreto",
    "search.op.phrase": "estas palabras, en este orden",
    "search.op.exclude": "deja fuera los mensajes con una palabra",
    "search.op.prefix": "palabras que empiezan así",
    "search.op.person": "de {name}",
    "search.op.channel": "en #{name}",
  },
});

// ---------------------------------------------------------------------------------------------
// snippets

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** `&lt;` and its kin back to the characters they stand for (the server escapes the text). */
export function unescape(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (all, name) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return ENTITIES[name.toLowerCase()] ?? all;
  });
}

/** A snippet as pieces of text, `mark` on the matches: `[{ text, mark }]`. The server's
 * snippet is escaped text with `<mark>`…`</mark>` around matches; anything else in it stays
 * text, never markup. */
export function snippetParts(snippet) {
  const parts = [];
  let mark = false;
  for (const piece of (snippet || "").split(/(<mark>|<\/mark>)/)) {
    if (piece === "<mark>") mark = true;
    else if (piece === "</mark>") mark = false;
    else if (piece) parts.push({ text: unescape(piece), mark });
  }
  return parts;
}

function Snippet({ snippet }) {
  return html`<p class="hit-snippet">${snippetParts(snippet).map((p) => (p.mark ? html`<mark>${p.text}</mark>` : p.text))}</p>`;
}

// ---------------------------------------------------------------------------------------------
// the hints of the search box

const narrow = () => matchMedia("(max-width: 760px)").matches;

function channelLabel(channel) {
  const known = state.channels.get(channel.id);
  if (channel.kind === "dm" || channel.kind === "group_dm") return known ? channelTitle(known) : t("search.dm");
  return "#" + (channel.name || known?.name || "");
}

/** People the results name whom the client does not know yet: looked up, once each. */
const asked = new Set();
function learnPeople(ids) {
  const unknown = [...new Set(ids)].filter((id) => id && !state.people.has(id) && !asked.has(id));
  for (const id of unknown) {
    asked.add(id);
    get(`/users/${id}`).then((user) => rememberPeople([user]), () => {});
  }
}

/** Go to a result: the message highlighted in its channel (a reply: its thread, beside it). */
function jump(event, message) {
  const reply = message.thread_root_id && !message.in_channel;
  const route = routeTo(message);
  follow(event, route);
  if (!event.defaultPrevented) return; // opened in a new tab
  if (reply) openPane({ kind: "thread", rootId: message.thread_root_id, focusId: message.id });
  else if (narrow()) closePane();
}

function routeTo(message) {
  const reply = message.thread_root_id && !message.in_channel;
  return {
    view: "channel",
    workspaceId: state.workspaceId,
    channelId: message.channel_id,
    messageId: reply ? message.thread_root_id : message.id,
  };
}

/** What the server said was wrong: its own detail (it names the operator and the fix). */
function problemOf(error) {
  return error?.problem?.detail || problemText(error);
}

/** A search's pages: `[found, more]`; asked again when the query, `params` or `again` change. */
function useSearch(path, query, params, again) {
  const [found, setFound] = useState({ items: [], next: null, total: null, exact: true, loading: true, error: null });
  const key = JSON.stringify([path, query, params, again]);
  const abort = useRef(null);
  const load = (cursor) => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setFound((old) => ({ ...(cursor ? old : { items: [], total: null, next: null, exact: true }), loading: true, error: null }));
    get(path, { q: query, ...params, cursor, limit: 20 }, { signal: controller.signal }).then(
      (page) => {
        setFound((old) => ({
          items: cursor ? [...old.items, ...page.items] : page.items,
          next: page.next_cursor,
          total: page.total ?? null,
          exact: page.total_is_exact ?? true,
          loading: false,
          error: null,
        }));
      },
      (error) => {
        if (error.name === "AbortError") return;
        setFound((old) => ({ ...old, loading: false, error }));
      },
    );
  };
  useEffect(() => {
    load(null);
    return () => abort.current?.abort();
  }, [key]);
  return [found, () => load(found.next)];
}

function MessageResults({ query, at }) {
  const [sort, setSort] = useState("relevance");
  const [found, more] = useSearch(`/workspaces/${state.workspaceId}/search`, query, { sort }, at);
  useEffect(() => learnPeople(found.items.map((hit) => hit.message.author_id)), [found.items]);

  const groups = [];
  const byChannel = new Map();
  for (const hit of found.items) {
    let group = byChannel.get(hit.channel.id);
    if (!group) {
      group = { channel: hit.channel, hits: [] };
      byChannel.set(hit.channel.id, group);
      groups.push(group);
    }
    group.hits.push(hit);
  }

  return html`<div class="search-results">
    <div class="search-bar">
      <p class="search-total" role="status">${
        found.error ? "" : found.loading && !found.items.length ? t("search.loading")
        : found.total === null ? "" : t(found.exact ? "search.total" : "search.total_about", { n: found.total })}</p>
      <label class="search-sort">${t("search.sort")}
        <select value=${sort} onChange=${(e) => setSort(e.target.value)}>
          <option value="relevance">${t("search.sort.relevance")}</option>
          <option value="recent">${t("search.sort.recent")}</option>
        </select>
      </label>
    </div>
    ${found.error && html`<p class="search-error" role="alert">${problemOf(found.error)}</p>`}
    ${!found.error && !found.loading && !found.items.length && html`<p class="search-empty">${t("search.none", { query })}</p>`}
    ${groups.map((group) => html`<section class="hit-group" key=${group.channel.id} aria-labelledby=${"hits-" + group.channel.id}>
      <h3 class="hit-channel" id=${"hits-" + group.channel.id}>${channelLabel(group.channel)}</h3>
      <ul class="hits">
        ${group.hits.map((hit) => html`<li key=${hit.message.id}><${Hit} hit=${hit} /></li>`)}
      </ul>
    </section>`)}
    ${found.next && html`<button type="button" class="search-more" onClick=${more} disabled=${found.loading}>
      ${found.loading ? t("search.loading") : t("search.more")}</button>`}
  </div>`;
}

function Hit({ hit }) {
  const message = hit.message;
  const at = new Date(message.created_at);
  const reply = message.thread_root_id && !message.in_channel;
  return html`<a class="hit" href=${href(routeTo(message))} onClick=${(e) => jump(e, message)} data-testid="search-hit">
    <span class="hit-head">
      <span class="hit-author">${displayName(message.author_id)}</span>
      <time datetime=${message.created_at}>${when(at)}</time>
      ${reply && html`<span class="hit-thread">${t("search.in_thread")}</span>`}
    </span>
    <${Snippet} snippet=${hit.snippet} />
  </a>`;
}

function FileResults({ query, at }) {
  const [found, more] = useSearch(`/workspaces/${state.workspaceId}/search/files`, query, {}, at);
  useEffect(() => learnPeople(found.items.map((hit) => hit.file.uploader_id)), [found.items]);
  return html`<div class="search-results">
    <p class="search-total" role="status">${found.error ? "" : found.loading && !found.items.length ? t("search.loading") : found.items.length ? t("search.files_shown", { n: found.items.length, more: Boolean(found.next) }) : ""}</p>
    ${found.error && html`<p class="search-error" role="alert">${problemOf(found.error)}</p>`}
    ${!found.error && !found.loading && !found.items.length && html`<p class="search-empty">${t("search.none_files", { query })}</p>`}
    <ul class="file-hits">
      ${found.items.map((hit) => html`<li key=${hit.file.id}><${FileHit} hit=${hit} /></li>`)}
    </ul>
    ${found.next && html`<button type="button" class="search-more" onClick=${more} disabled=${found.loading}>
      ${found.loading ? t("search.loading") : t("search.more")}</button>`}
  </div>`;
}

function FileHit({ hit }) {
  const { file, channel } = hit;
  const where = channel ? channelLabel(channel) : t("search.file.unshared");
  const route = file.message_id && file.channel_id
    ? { view: "channel", workspaceId: state.workspaceId, channelId: file.channel_id, messageId: file.message_id }
    : null;
  return html`<div class="file-hit">
    <${FileCard} file=${file} />
    <p class="file-hit-meta">${[
      displayName(file.uploader_id),
      file.created_at && html`<time datetime=${file.created_at}>${when(new Date(file.created_at))}</time>`,
      route
        ? html`<a href=${href(route)} onClick=${(e) => (follow(e, route), e.defaultPrevented && narrow() && closePane())}>${t("search.file.show", { where })}</a>`
        : where,
    ].filter(Boolean).map((part, i) => html`${i ? " · " : ""}${part}`)}</p>
  </div>`;
}

function SearchPane({ pane }) {
  const [tab, setTab] = useState(pane.tab || "messages");
  const tabs = ["messages", "files"];
  const choose = (next) => {
    setTab(next);
    pane.tab = next;
  };
  const onKey = (event) => {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
    choose(next);
    document.getElementById("search-tab-" + next)?.focus();
  };
  return html`<div class="search-pane">
    <div class="search-tabs" role="tablist" aria-label=${t("search.tabs")} onKeyDown=${onKey}>
      ${tabs.map((name) => html`<button type="button" role="tab" key=${name} id=${"search-tab-" + name}
          aria-selected=${tab === name ? "true" : "false"} aria-controls="search-panel" tabindex=${tab === name ? "0" : "-1"}
          class=${"search-tab" + (tab === name ? " current" : "")} onClick=${() => choose(name)}>${t("search." + name)}</button>`)}
    </div>
    <div class="search-panel" id="search-panel" role="tabpanel" aria-labelledby=${"search-tab-" + tab}>
      ${tab === "messages"
        ? html`<${MessageResults} query=${pane.query} at=${pane.at} />`
        : html`<${FileResults} query=${pane.query} at=${pane.at} />`}
    </div>
  </div>`;
}

fillTopBar("search", SearchBox);
registerPane("search", SearchPane, (pane) => t("search.title", { query: pane.query }));
