// What each socket event changes in the client's state. Events may repeat what the client
// already has (it boots from REST, then resumes from the id the boot gave): every change here
// is idempotent.
import { state, changed } from "./store.js";
import { remember, timelineOf, threadOf } from "./timeline.js";

const handlers = {
  "message.created"(event) {
    // a message's seq is its message.created event's id: the data cannot carry it
    const message = remember({ ...event.data, seq: event.data.seq ?? event.id });
    if (message.client_msg_id) state.pending.delete(message.client_msg_id);
    if (message.thread_root_id) state.timelines.get("thread:" + message.thread_root_id)?.arrived(message);
    if (!message.thread_root_id || message.in_channel) timelineOf(message.channel_id).arrived(message);
    const ch = state.channels.get(message.channel_id);
    if (ch && (!message.thread_root_id || message.in_channel)) {
      ch.latest_seq = Math.max(ch.latest_seq || 0, message.seq);
      if (message.author_id === state.me?.id) {
        ch.last_read_seq = Math.max(ch.last_read_seq || 0, message.seq);
        ch.unread_messages = 0;
        ch.mentions = 0;
      } else if (message.seq > (ch.last_read_seq || 0)) {
        ch.unread_messages = (ch.unread_messages || 0) + 1;
        if (mentionsMe(message)) ch.mentions = (ch.mentions || 0) + 1;
      }
    }
    stopTyping(message.channel_id, message.author_id);
    emit("message", message);
  },
  "message.updated"(event) {
    remember(event.data);
  },
  "message.deleted"(event) {
    const { id } = event.data;
    const known = state.messages.get(id);
    if (known) state.messages.set(id, { ...known, deleted: true, text: "", html: "", files: [], reactions: [] });
    timelineOf(event.data.channel_id).removed(id);
    if (event.data.thread_root_id) state.timelines.get("thread:" + event.data.thread_root_id)?.removed(id);
    if (state.pane?.kind === "thread" && state.pane.rootId === id) state.pane = null;
  },
  "message.pinned": pinned,
  "message.unpinned": pinned,
  "file.ready": fileChanged,
  "file.failed": fileChanged,
  "file.deleted": fileChanged,
  "reaction.added"(event) {
    react(event.data, +1);
  },
  "reaction.removed"(event) {
    react(event.data, -1);
  },
  "thread.updated"(event) {
    const { root_id, ...summary } = event.data;
    const root = state.messages.get(root_id);
    if (root) state.messages.set(root_id, { ...root, thread: { ...root.thread, ...summary } });
  },
  "channel.created": upsertChannel,
  "channel.updated": upsertChannel,
  "channel.archived": upsertChannel,
  "channel.unarchived": upsertChannel,
  "channel.member_joined"(event) {
    const { user_id } = event.data;
    const ch = state.channels.get(event.channel_id);
    if (user_id === state.me?.id) {
      const data = event.data.channel || {};
      state.channels.set(event.channel_id, {
        unread_messages: 0, mentions: 0, last_read_seq: 0, latest_seq: 0, ...ch, ...data, is_member: true,
      });
      emit("refresh-channel", event.channel_id); // its counts and members, by REST
    } else if (ch) {
      ch.member_count = (ch.member_count || 0) + 1;
      if (ch.user_ids && !ch.user_ids.includes(user_id)) ch.user_ids = [...ch.user_ids, user_id];
    }
  },
  "channel.member_left"(event) {
    const { user_id } = event.data;
    if (user_id === state.me?.id) {
      const ch = state.channels.get(event.channel_id);
      if (ch && ch.kind !== "public") state.channels.delete(event.channel_id);
      else if (ch) ch.is_member = false;
      emit("left-channel", event.channel_id);
    } else {
      const ch = state.channels.get(event.channel_id);
      if (ch) ch.member_count = Math.max(0, (ch.member_count || 1) - 1);
    }
  },
  "channel.muted"(event) {
    const ch = state.channels.get(event.channel_id);
    if (ch) ch.muted = true;
  },
  "channel.unmuted"(event) {
    const ch = state.channels.get(event.channel_id);
    if (ch) ch.muted = false;
  },
  "channel.read"(event) {
    const ch = state.channels.get(event.data.channel_id);
    if (!ch) return;
    ch.last_read_seq = Math.max(ch.last_read_seq || 0, event.data.last_read_seq);
    if (ch.last_read_seq >= (ch.latest_seq || 0)) {
      ch.unread_messages = 0;
      ch.mentions = 0;
    }
  },
  "user.updated"(event) {
    const known = state.people.get(event.data.id);
    state.people = new Map(state.people).set(event.data.id, { ...known, ...event.data }); // a new map: rows redraw
    if (event.data.id === state.me?.id) state.me = { ...state.me, ...event.data };
  },
  "workspace.member_joined"(event) {
    const user = event.data.user;
    if (user) state.people = new Map(state.people).set(user.id, user);
    if (event.data.user_id === state.me?.id || user?.id === state.me?.id) emit("rebooted");
  },
  "workspace.updated"(event) {
    state.workspaces = state.workspaces.map((w) => (w.id === event.data.id ? { ...w, ...event.data } : w));
  },
  "notification.created"(event) {
    state.unreadNotifications++;
    emit("notification", event.data);
  },
  "notification.read"() {
    emit("notifications-changed");
  },
  "notification.removed"() {
    emit("notifications-changed");
  },
  "typing.started"(event) {
    const { user_id, expires_in } = event.data;
    if (user_id === state.me?.id) return;
    const key = typingKey(event.channel_id, event.data.thread_root_id);
    if (!state.typing.has(key)) state.typing.set(key, new Map());
    state.typing.get(key).set(user_id, Date.now() + (expires_in || 6) * 1000);
    setTimeout(changed, (expires_in || 6) * 1000 + 50);
  },
  "typing.stopped"(event) {
    state.typing.get(typingKey(event.channel_id, event.data.thread_root_id))?.delete(event.data.user_id);
  },
  "presence.changed"(event) {
    state.presence.set(event.data.user_id, event.data.status);
  },
  "session.revoked"() {
    emit("session-revoked");
  },
};

function mentionsMe(message) {
  const m = message.mentions || {};
  return (m.user_ids || []).includes(state.me?.id) || m.everyone || m.here;
}

function pinned(event) {
  const message = event.data.id ? event.data : state.messages.get(event.data.message_id);
  if (event.data.id) remember(event.data);
  else if (message) {
    state.messages.set(message.id, {
      ...message,
      pinned_at: event.type === "message.pinned" ? event.at : null,
      pinned_by: event.type === "message.pinned" ? event.data.user_id ?? null : null,
    });
  }
}

/** An image got its thumbnails (or failed to), or a file was deleted: its message shows it. */
function fileChanged(event) {
  const file = event.data;
  const message = file.message_id && state.messages.get(file.message_id);
  if (message?.files?.some((f) => f.id === file.id)) {
    const files = event.type === "file.deleted"
      ? message.files.filter((f) => f.id !== file.id)
      : message.files.map((f) => (f.id === file.id ? { ...f, ...file } : f));
    state.messages.set(message.id, { ...message, files });
  }
  emit("file", event);
}

function react({ message_id, emoji, user_id }, delta) {
  const message = state.messages.get(message_id);
  if (!message) return;
  const reactions = (message.reactions || []).map((r) => ({ ...r, user_ids: [...(r.user_ids || [])] }));
  let reaction = reactions.find((r) => r.emoji === emoji);
  if (!reaction) {
    if (delta < 0) return;
    reaction = { emoji, count: 0, me: false, user_ids: [] };
    reactions.push(reaction);
  }
  // the server names only the first few who reacted: you are known by `me`, and someone it
  // did not name may still be among the rest
  const had = reaction.user_ids.includes(user_id) || (user_id === state.me?.id && reaction.me);
  const unnamed = user_id !== state.me?.id && reaction.count > reaction.user_ids.length;
  if (delta > 0 && had) return;
  if (delta < 0 && !had && !unnamed) return;
  reaction.user_ids = delta > 0 ? [...reaction.user_ids, user_id] : reaction.user_ids.filter((id) => id !== user_id);
  reaction.count = Math.max(0, reaction.count + delta);
  if (user_id === state.me?.id) reaction.me = delta > 0;
  state.messages.set(message_id, { ...message, reactions: reactions.filter((r) => r.count > 0) });
}

function upsertChannel(event) {
  const data = event.data;
  const known = state.channels.get(data.id);
  if (known) state.channels.set(data.id, { ...known, ...data });
  else {
    // a channel this client had not heard of: in the sidebar if the person is in it
    const member = data.is_member ?? (data.created_by === state.me?.id || (data.user_ids || []).includes(state.me?.id));
    state.channels.set(data.id, { unread_messages: 0, mentions: 0, last_read_seq: 0, latest_seq: 0, ...data, is_member: member });
  }
}

export function typingKey(channelId, rootId) {
  return rootId ? `${channelId}/${rootId}` : channelId;
}

function stopTyping(channelId, userId) {
  for (const [key, people] of state.typing) if (key.startsWith(channelId)) people.delete(userId);
}

const listeners = new Map();

/** Things views and services react to beyond the state (a sound, a refetch, a notification). */
export function on(kind, listener) {
  if (!listeners.has(kind)) listeners.set(kind, new Set());
  listeners.get(kind).add(listener);
  return () => listeners.get(kind).delete(listener);
}

export function emit(kind, data) {
  for (const listener of listeners.get(kind) || []) {
    try {
      listener(data);
    } catch (error) {
      console.warn(kind, error); // one listener's bug must not stop the others
    }
  }
}

export function apply(event) {
  const handler = handlers[event.type];
  if (handler) handler(event);
  emit(event.type, event); // features follow any event by its type: on("thread.read", fn)
  changed();
}

export { threadOf };
