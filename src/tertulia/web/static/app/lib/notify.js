// Desktop notifications through the browser's Notification API: a mention of the person, or a
// direct message from someone else, while the tab is hidden. Clicking one brings the tab
// forward at the message. Permission is asked only when the person asks for them (a click),
// never on load. Logout closes what is on the desktop and forgets what was shown.
import { on } from "./events.js";
import { state, changed, subscribe, displayName } from "./store.js";
import { get } from "./api.js";
import { go } from "./router.js";
import { t, lang } from "./i18n.js";
import { switchWorkspace } from "./session.js";

const FRESH_MS = 5 * 60_000; // events replayed after a long sleep are old news: no popup
const BODY_MAX = 160;
const REMEMBER = 200; // message ids already shown (a DM that mentions you comes twice)
const shown = new Map(); // message id -> Notification | null (being prepared)

export function supported() {
  return typeof window.Notification === "function";
}

/** "granted", "denied", "default" (not asked yet) or "unsupported". */
export function permission() {
  return supported() ? Notification.permission : "unsupported";
}

/** Ask the browser; call it only from a person's click. */
export async function requestPermission() {
  if (!supported()) return "unsupported";
  const answer = await Notification.requestPermission();
  changed();
  return answer;
}

/** Go to a message: its channel scrolled to it, or its thread for a reply kept there. */
export async function jumpTo(message, workspaceId = null) {
  if (workspaceId && workspaceId !== state.workspaceId) await switchWorkspace(workspaceId);
  const threaded = message.thread_root_id && !message.in_channel;
  go({
    view: "channel",
    workspaceId: state.workspaceId,
    channelId: message.channel_id,
    messageId: threaded ? message.thread_root_id : message.id,
  });
  if (threaded) {
    state.pane = { kind: "thread", rootId: message.thread_root_id };
    changed();
  }
}

/** One line of the message's text, cut short: the body of the notification. */
export function excerpt(text) {
  const line = (text || "").replace(/\s+/g, " ").trim();
  if (!line) return t("notify.no_text");
  return line.length > BODY_MAX ? line.slice(0, BODY_MAX - 1).trimEnd() + "…" : line;
}

const wanted = () => supported() && Notification.permission === "granted" && document.visibilityState === "hidden";

async function show(messageId, channelId, known = null) {
  if (!wanted() || shown.has(messageId)) return;
  shown.set(messageId, null); // taken: the second of two events for one message waits for nothing
  if (shown.size > REMEMBER) shown.delete(shown.keys().next().value);
  try {
    const message = known || state.messages.get(messageId) || (await get(`/messages/${messageId}`));
    const ch = state.channels.get(channelId) || (await get(`/channels/${channelId}`));
    if (Date.now() - Date.parse(message.created_at) > FRESH_MS || !wanted() || state.phase !== "ready") return;
    if (!state.people.has(message.author_id)) {
      const author = await get(`/users/${message.author_id}`).catch(() => null);
      if (author) state.people = new Map(state.people).set(author.id, author);
    }
    const author = displayName(message.author_id);
    const direct = ch.kind === "dm" || ch.kind === "group_dm";
    const title = direct && ch.kind === "dm" ? author : t("notify.title", { author, channel: direct ? t("notify.group") : "#" + ch.name });
    const popup = new Notification(title, { body: excerpt(message.text), tag: messageId, lang: lang() });
    popup.onclick = () => {
      window.focus();
      popup.close();
      jumpTo(message, ch.workspace_id).catch(() => {});
    };
    shown.set(messageId, popup);
  } catch {
    // the message or channel is gone or out of reach: nothing to show
  }
}

on("notification", (data) => {
  show(data.message_id, data.channel_id);
});

on("message", (message) => {
  if (message.author_id === state.me?.id || !wanted()) return;
  const ch = state.channels.get(message.channel_id);
  if (ch && (ch.muted || !(ch.kind === "dm" || ch.kind === "group_dm"))) return;
  if (ch) {
    show(message.id, message.channel_id, message);
    return;
  }
  // a conversation the client does not know yet (someone's first DM): ask what it is
  get(`/channels/${message.channel_id}`).then(
    (found) => (found.kind === "dm" || found.kind === "group_dm") && show(message.id, message.channel_id, message),
    () => {},
  );
});

subscribe(() => {
  if (state.phase !== "anonymous" || !shown.size) return;
  for (const popup of shown.values()) popup?.close();
  shown.clear();
});
