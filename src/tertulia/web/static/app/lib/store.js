// The client's state: one plain object, changed in place by the few functions that own it,
// with one subscription the root component listens to (a render per burst of changes).
import { useEffect, useReducer } from "./html.js";

export const state = fresh();

function fresh() {
  return {
    phase: "starting", // starting | anonymous | booting | ready
    me: null,
    workspaces: [],
    workspaceId: null,
    channels: new Map(), // id -> channel (ChannelOut + unread counts)
    people: new Map(), // id -> user
    presence: new Map(), // user id -> "online" | "away" | "offline"
    timelines: new Map(), // channel id -> Timeline (lib/timeline.js)
    messages: new Map(), // message id -> message, every one loaded anywhere
    pending: new Map(), // client_msg_id -> { channelId, threadRootId, text, fileIds, status, at }
    typing: new Map(), // channel id -> Map(user id -> until ms)
    connection: "connecting", // connecting | online | offline
    route: { view: "home" },
    pane: null, // { kind: "thread", rootId } | { kind: "search", query } | { kind: "inbox" } | ...
    unreadNotifications: 0,
    notice: null, // { text, kind } a passing message to the person
  };
}

const listeners = new Set();
let scheduled = false;

/** Say the state changed: every listener runs once, after the current task. */
export function changed() {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    for (const listener of [...listeners]) listener();
  });
}

export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Re-render the calling component whenever the state changes. */
export function useStore() {
  const [, bump] = useReducer((n) => n + 1, 0);
  useEffect(() => {
    bump(); // a change made before this effect ran (an anonymous start is that quick) is not lost
    return subscribe(bump);
  }, []);
  return state;
}

/** Forget everything of the last person (logout, another account): nothing stays behind. */
export function reset() {
  for (const timeline of state.timelines.values()) timeline.dispose?.();
  const blank = fresh();
  for (const key of Object.keys(state)) delete state[key];
  Object.assign(state, blank, { phase: "anonymous" });
  changed();
}

export function notice(text, kind = "info") {
  state.notice = { text, kind, at: Date.now() };
  changed();
  setTimeout(() => {
    if (state.notice && Date.now() - state.notice.at >= 5_000) {
      state.notice = null;
      changed();
    }
  }, 5_100);
}

export const person = (id) => state.people.get(id);
export const channel = (id) => state.channels.get(id);
export const workspace = () => state.workspaces.find((w) => w.id === state.workspaceId) || null;

/** A channel's name as the sidebar shows it: `#name`, or the other people of a DM. */
export function channelTitle(ch) {
  if (!ch) return "";
  if (ch.kind === "dm" || ch.kind === "group_dm") {
    const others = (ch.user_ids || []).filter((id) => id !== state.me?.id);
    if (!others.length) return displayName(state.me?.id);
    return others.map(displayName).join(", ");
  }
  return ch.name;
}

export function displayName(userId) {
  const user = state.people.get(userId);
  if (!user) return "…";
  return user.display_name || user.username;
}
