// What the channel and people panes share: paged lists, the person's role, putting a channel
// the server answered into the state and going to it, people met along the way, field errors.
import { html, useState, useEffect, useRef } from "../lib/html.js";
import { state, changed } from "../lib/store.js";
import { t, problemText } from "../lib/i18n.js";
import { go } from "../lib/router.js";
import { watchPresence } from "../lib/socket.js";
import { closePane } from "./pane.js";

export const isDirect = (ch) => ch?.kind === "dm" || ch?.kind === "group_dm";

/** The person's role in the current workspace (owner, admin, member, guest). */
export function myRole() {
  return state.workspaces.find((w) => w.id === state.workspaceId)?.role || "member";
}

export const isAdmin = () => ["owner", "admin"].includes(myRole());

/** The channel's creator and workspace admins rename, archive, unarchive and remove people. */
export const manages = (ch) => !!ch && (isAdmin() || ch.created_by === state.me?.id);

/** A channel as the server answered it, merged into what the client knows of it. */
export function keepChannel(found, extra = {}) {
  const known = state.channels.get(found.id);
  const merged = { unread_messages: 0, mentions: 0, last_read_seq: 0, latest_seq: 0, ...known, ...found, ...extra };
  state.channels.set(found.id, merged);
  changed();
  return merged;
}

/** Close the pane and open the channel. */
export function goToChannel(ch, messageId = null) {
  closePane();
  go({ view: "channel", workspaceId: ch.workspace_id || state.workspaceId, channelId: ch.id, messageId });
}

/** People the panes met (members, search results): known by name from now on, and their
 * presence watched along with everyone the screen already shows. */
export function meetPeople(users) {
  if (!users.length) return;
  const people = new Map(state.people); // a new map, as events.js makes: rows that compare it redraw
  let fresh = false;
  for (const user of users) {
    if (!people.has(user.id)) fresh = true;
    people.set(user.id, { ...people.get(user.id), ...user });
  }
  state.people = people;
  if (fresh) watchPresence([...people.keys()]);
  changed();
}

/**
 * A list read a page at a time: `load(cursor)` answers `{ items, next_cursor }`.
 * `reload()` fetches the first page again and keeps the list on screen meanwhile.
 */
export function usePages(load, deps) {
  const [list, setList] = useState({ items: [], cursor: null, busy: true, error: null, loaded: false });
  const generation = useRef(0);
  const fetchPage = async (cursor, replace) => {
    const mine = replace ? ++generation.current : generation.current;
    setList((l) => ({ ...l, busy: true, error: null }));
    try {
      const page = await load(cursor);
      if (mine !== generation.current) return;
      setList((l) => ({
        items: replace ? page.items : [...l.items, ...page.items],
        cursor: page.next_cursor || null,
        busy: false,
        error: null,
        loaded: true,
      }));
    } catch (error) {
      if (mine === generation.current) setList((l) => ({ ...l, busy: false, error }));
    }
  };
  useEffect(() => {
    fetchPage(null, true);
  }, deps);
  return {
    ...list,
    hasMore: !!list.cursor,
    loadMore: () => list.cursor && !list.busy && fetchPage(list.cursor, false),
    reload: () => fetchPage(null, true),
    setItems: (update) => setList((l) => ({ ...l, items: update(l.items) })),
  };
}

/** Under a paged list: "show more" while there is more, its failure, or that it is loading. */
export function PageFooter({ pages }) {
  return html`
    ${pages.error && html`<p class="form-error" role="alert">${problemText(pages.error)}</p>`}
    ${pages.busy && html`<p class="hint" role="status">${t("app.loading")}</p>`}
    ${pages.hasMore && !pages.busy && html`<button type="button" class="link more" onClick=${pages.loadMore}>${t("admin.more")}</button>`}`;
}

/** A field's errors from a problem+json answer (`errors: [{ field, code, message }]`). */
export function fieldErrors(error) {
  const found = {};
  for (const e of error?.problem?.errors || []) {
    const field = String(e.field || "").split(".").pop();
    const key = "problem." + e.code;
    const text = t(key) !== key ? t(key) : e.message;
    (found[field] = found[field] || []).push(text);
  }
  return found;
}

/** What a refused action says: the field errors, or else the problem's own words. */
export function ProblemText({ error, fields = [] }) {
  if (!error) return null;
  const errors = fieldErrors(error);
  const shown = Object.keys(errors).some((f) => fields.includes(f));
  if (shown) return null; // the fields say it, each next to its input
  return html`<p class="form-error" role="alert">${problemText(error)}</p>`;
}

/** Folded for matching what is typed: no case, no accents. */
export function fold(text) {
  return (text || "").normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}
