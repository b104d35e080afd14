// The one socket of the app: authenticates with the in-memory access token, resumes from the
// last event id it applied (after sleep, network loss or a server restart), applies each event
// once, and reconnects with backoff. Writes never go through it: only typing, presence, view.
import { accessToken, refresh } from "./api.js";
import { state, changed } from "./store.js";
import { apply, emit } from "./events.js";

const PING_EVERY = 25_000; // the server pings too; ours finds a dead link after sleep
const PONG_WITHIN = 10_000;

let socket = null;
let lastEventId = null;
let attempt = 0;
let retryTimer = 0;
let pingTimer = 0;
let pongTimer = 0;
let wanted = false;
let subscribed = [];

export function lastId() {
  return lastEventId;
}

/** Open (or keep open) the socket, resuming after `fromId` (the boot's last event id). */
export function start(fromId) {
  lastEventId = fromId ?? lastEventId;
  wanted = true;
  if (!socket) open();
}

export function stop() {
  wanted = false;
  lastEventId = null;
  subscribed = [];
  clearTimeout(retryTimer);
  stopPinging();
  if (socket) {
    const s = socket;
    socket = null;
    s.close(1000);
  }
  state.connection = "connecting";
}

export function command(frame) {
  if (socket?.readyState === WebSocket.OPEN && state.connection === "online") {
    socket.send(JSON.stringify(frame));
    return true;
  }
  return false;
}

/** Ask for the presence of the people the screen shows (the server sends changes after). */
export function watchPresence(userIds) {
  subscribed = [...new Set(userIds)].slice(0, 500);
  command({ type: "presence.subscribe", user_ids: subscribed });
}

function url() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/api/v1/ws`;
}

function open() {
  clearTimeout(retryTimer);
  const token = accessToken();
  if (!token) return;
  state.connection = attempt ? "offline" : "connecting";
  changed();
  const s = new WebSocket(url());
  socket = s;
  s.onopen = () => s.send(JSON.stringify({ type: "auth", token, last_event_id: lastEventId }));
  s.onmessage = (frame) => {
    if (socket !== s) return;
    let event;
    try {
      event = JSON.parse(frame.data);
    } catch {
      return;
    }
    received(event);
  };
  s.onclose = (close) => {
    if (socket !== s) return;
    socket = null;
    stopPinging();
    closed(close.code);
  };
}

function received(event) {
  if (event.type === "pong") {
    clearTimeout(pongTimer);
    return;
  }
  if (event.type === "hello") {
    attempt = 0;
    // resuming, the events after ours up to hello's id are replayed next: keep our cursor
    if (!event.resumed || lastEventId === null) lastEventId = event.last_event_id;
    state.connection = "online";
    startPinging();
    if (subscribed.length) command({ type: "presence.subscribe", user_ids: subscribed });
    emit("online");
    changed();
    return;
  }
  if (event.type === "resync_required") {
    // the gap is older than the server keeps: refetch by REST, then resume from its id
    lastEventId = event.last_event_id;
    emit("resync", event.last_event_id);
    return;
  }
  if (event.type === "presence.subscribed") {
    for (const [userId, status] of Object.entries(event.users || {})) state.presence.set(userId, status);
    changed();
    return;
  }
  if (event.type === "error") return;
  if (typeof event.id === "number") {
    if (lastEventId !== null && event.id <= lastEventId) return; // had it: never twice
    lastEventId = event.id;
  }
  apply(event);
}

async function closed(code) {
  if (!wanted) return;
  state.connection = "offline";
  changed();
  if (code === 4403) {
    emit("session-revoked");
    return;
  }
  if (code === 4409) {
    // as many sockets open as the server allows: wait longer before trying again
    attempt = Math.max(attempt, 5);
  }
  if (code === 4401) {
    try {
      await refresh();
    } catch {
      emit("session-revoked");
      return;
    }
  }
  attempt++;
  const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt - 1, 6)) * (0.5 + Math.random() / 2);
  retryTimer = setTimeout(open, attempt === 1 ? 200 : delay);
}

function startPinging() {
  stopPinging();
  pingTimer = setInterval(() => {
    if (!command({ type: "ping" })) return;
    clearTimeout(pongTimer);
    pongTimer = setTimeout(() => socket?.close(4000), PONG_WITHIN); // a dead link: resume
  }, PING_EVERY);
}

function stopPinging() {
  clearInterval(pingTimer);
  clearTimeout(pongTimer);
}

/** Try at once when the device wakes or the network returns, not at the next backoff step. */
function reviveSoon() {
  if (!wanted) return;
  if (!socket) {
    attempt = 0;
    open();
  } else if (state.connection === "online") {
    command({ type: "ping" });
    clearTimeout(pongTimer);
    pongTimer = setTimeout(() => socket?.close(4000), PONG_WITHIN);
  }
}

addEventListener("online", reviveSoon);
addEventListener("offline", () => {
  // the device says the network is gone: the socket may not notice for a while (nor finish a
  // closing handshake); let it go, say so now, and let the reconnection loop find the network
  if (!wanted || !socket) return;
  const gone = socket;
  socket = null;
  stopPinging();
  gone.close(4000);
  closed(4000);
});
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") reviveSoon();
});
