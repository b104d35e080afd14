// Messages on their way: shown at once as pending, sent with a client_msg_id, and retried with
// the same id until the server has them (its idempotency makes a retry never double a message).
// A message the server refuses (4xx) stays, marked, for the person to fix or discard.
import { post, ApiError, NetworkError } from "./api.js";
import { state, changed, notice } from "./store.js";
import { remember, timelineOf } from "./timeline.js";
import { on } from "./events.js";
import { problemText } from "./i18n.js";

let retryTimer = 0;
let backoff = 1_000;

function newId() {
  return "web-" + crypto.randomUUID();
}

/** Post `text` to a channel (or a thread); the promise settles when the server has it. */
export function send(channelId, text, { threadRootId = null, alsoToChannel = false, fileIds = [] } = {}) {
  const id = newId();
  state.pending.set(id, {
    id, channelId, threadRootId, alsoToChannel, fileIds, text, status: "pending", at: Date.now(), error: null,
  });
  changed();
  return attempt(id);
}

async function attempt(id) {
  const item = state.pending.get(id);
  if (!item || item.sending) return;
  item.sending = true;
  item.status = "pending";
  changed();
  try {
    const message = await post(`/channels/${item.channelId}/messages`, {
      text: item.text,
      client_msg_id: id,
      thread_root_id: item.threadRootId,
      also_send_to_channel: item.alsoToChannel,
      file_ids: item.fileIds,
    });
    remember(message);
    if (!message.thread_root_id || message.in_channel) timelineOf(message.channel_id).arrived(message);
    if (message.thread_root_id) state.timelines.get("thread:" + message.thread_root_id)?.arrived(message);
    state.pending.delete(id);
    backoff = 1_000;
  } catch (error) {
    item.sending = false;
    const retryable = error instanceof NetworkError || (error instanceof ApiError && (error.status >= 500 || error.status === 429));
    item.status = retryable ? "waiting" : "failed";
    item.error = error;
    if (retryable) later(error.retryAfter);
    else notice(problemText(error), "error");
  } finally {
    changed();
  }
}

function later(seconds) {
  clearTimeout(retryTimer);
  const delay = seconds ? seconds * 1000 : backoff;
  backoff = Math.min(backoff * 2, 30_000);
  retryTimer = setTimeout(retryAll, delay);
}

export function retryAll() {
  clearTimeout(retryTimer);
  for (const [id, item] of state.pending) if (item.status !== "failed" || item.manual) attempt(id);
}

export function retry(id) {
  const item = state.pending.get(id);
  if (item) {
    item.manual = true;
    attempt(id);
  }
}

export function discard(id) {
  state.pending.delete(id);
  changed();
}

/** The pending messages of a channel (or of a thread), oldest first. */
export function pendingIn(channelId, threadRootId = null) {
  return [...state.pending.values()].filter(
    (p) => p.channelId === channelId && (threadRootId ? p.threadRootId === threadRootId : !p.threadRootId || p.alsoToChannel),
  );
}

on("online", retryAll);
addEventListener("online", retryAll);
