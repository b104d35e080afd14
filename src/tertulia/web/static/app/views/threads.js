// Threads: a root message and its replies in the side pane (reply, also send to the channel,
// follow or not, read as it is seen), a summary under each root in the channel, and the
// threads the person follows with their unread replies, kept live by the socket.
import { html, useEffect } from "../lib/html.js";
import { state, changed, notice, displayName, channelTitle } from "../lib/store.js";
import { t, lang, time, when, addStrings, problemText } from "../lib/i18n.js";
import { get, put, del, post } from "../lib/api.js";
import { on } from "../lib/events.js";
import { remember, threadOf } from "../lib/timeline.js";
import { pendingIn } from "../lib/outbox.js";
import { registerPane, openPane } from "./pane.js";
import { registerMessagePart, registerMessageAction, Message } from "./message.js";
import { MessageList } from "./messages.js";
import { Composer } from "./composer.js";
import { Typing } from "./typing.js";
import { registerChannelButton } from "./channel.js";

const PAGE = 200; // followed threads per request (the server's most)

addStrings({
  en: {
    "thread.title": "Thread",
    "thread.in": "In {name}",
    "thread.reply": "Reply in thread",
    "thread.also_send": "Also send to the channel",
    "thread.composer": "Reply to {name}",
    "thread.replies": ({ n }) => (n === 1 ? "1 reply" : `${n} replies`),
    "thread.no_replies": "No replies yet.",
    "thread.log": "Replies",
    "thread.last_reply": "Last reply {when}",
    "thread.from": "from {people}",
    "thread.follow": "Follow thread",
    "thread.follow_hint": "Following: its replies count as unread for you.",
    "thread.not_following": "Not following: its replies do not count as unread.",
    "thread.replied": "Replied to a thread",
    "thread.back": "All followed threads",
    "thread.archived": "This channel is archived: the thread is read-only.",
    "thread.not_member": "Join the channel to reply.",
    "threads.title": "Followed threads",
    "threads.button": ({ n }) => (n ? `Followed threads, ${n === 1 ? "1 with unread replies" : `${n} with unread replies`}` : "Followed threads"),
    "threads.list": "Threads you follow",
    "threads.unread": ({ n }) => (n === 1 ? "1 unread reply" : `${n} unread replies`),
    "threads.none": "You follow no threads yet. Replying in a thread, or being mentioned in one, follows it.",
    "threads.loading": "Loading your threads…",
  },
  es: {
    "thread.title": "Hilo",
    "thread.in": "En {name}",
    "thread.reply": "Responder en un hilo",
    "thread.also_send": "Enviar también al canal",
    "thread.composer": "Responde a {name}",
    "thread.replies": ({ n }) => (n === 1 ? "1 respuesta" : `${n} respuestas`),
    "thread.no_replies": "Aún no hay respuestas.",
    "thread.log": "Respuestas",
    "thread.last_reply": "Última respuesta {when}",
    "thread.from": "de {people}",
    "thread.follow": "Seguir el hilo",
    "thread.follow_hint": "Lo sigues: sus respuestas cuentan como no leídas.",
    "thread.not_following": "No lo sigues: sus respuestas no cuentan como no leídas.",
    "thread.replied": "Respondió en un hilo",
    "thread.back": "Todos los hilos que sigues",
    "thread.archived": "Este canal está archivado: el hilo es de solo lectura.",
    "thread.not_member": "Únete al canal para responder.",
    "threads.title": "Hilos que sigues",
    "threads.button": ({ n }) => (n ? `Hilos que sigues, ${n === 1 ? "1 con respuestas sin leer" : `${n} con respuestas sin leer`}` : "Hilos que sigues"),
    "threads.list": "Hilos que sigues",
    "threads.unread": ({ n }) => (n === 1 ? "1 respuesta sin leer" : `${n} respuestas sin leer`),
    "threads.none": "Aún no sigues ningún hilo. Responder en un hilo, o que te mencionen en él, hace que lo sigas.",
    "threads.loading": "Cargando tus hilos…",
  },
});

const channelName = (ch) => (ch && (ch.kind === "public" || ch.kind === "private") ? "#" + channelTitle(ch) : channelTitle(ch));
const list = (names) => new Intl.ListFormat(lang(), { type: "conjunction" }).format(names);

/** A message's text without its markup, for a one-line preview (parsed, never run). */
function plainText(message) {
  const doc = new DOMParser().parseFromString(message.html || "", "text/html");
  const text = (doc.body.textContent || message.text || "").replace(/\s+/g, " ").trim();
  return text.length > 160 ? text.slice(0, 159) + "…" : text;
}

// the followed threads -------------------------------------------------------------------------

/** What the client knows of the threads the person follows in this workspace: by root id,
 * `{ unread, lastReadSeq, latestSeq }`; `complete` once every page is in (then a thread not
 * listed is one not followed). Kept in `state`, so logging out forgets it. */
function followed() {
  let known = state.followedThreads;
  if (!known || known.workspaceId !== state.workspaceId) {
    known = { workspaceId: state.workspaceId, items: new Map(), complete: false, loading: null, again: false, error: null };
    state.followedThreads = known;
  }
  return known;
}

/** Fetch every page of the followed threads (one fetch at a time; asked again meanwhile,
 * it runs once more after). */
function loadFollowed() {
  const known = followed();
  if (known.loading) {
    known.again = true;
    return known.loading;
  }
  if (state.phase !== "ready" || !known.workspaceId) return Promise.resolve();
  known.loading = (async () => {
    try {
      const items = new Map();
      let after = null;
      do {
        const page = await get(`/workspaces/${known.workspaceId}/threads`, { limit: PAGE, after });
        for (const row of page.items) {
          remember(row.root);
          items.set(row.root.id, { unread: row.unread_replies, lastReadSeq: row.last_read_seq, latestSeq: row.latest_seq });
        }
        after = page.next_cursor;
      } while (after);
      known.items = items;
      known.complete = true;
      known.error = null;
    } catch (error) {
      known.error = error;
    } finally {
      known.loading = null;
      changed();
    }
    if (known.again && state.followedThreads === known) {
      known.again = false;
      await loadFollowed();
    }
  })();
  return known.loading;
}

let reloadTimer = 0;
/** Refetch soon: a burst of events makes one request. */
function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => state.followedThreads?.complete && loadFollowed(), 300);
}

/** true / false, or null while not known yet. */
function following(rootId) {
  const known = followed();
  if (known.items.has(rootId)) return true;
  return known.complete ? false : null;
}

async function setFollowing(rootId, yes) {
  try {
    await (yes ? put : del)(`/messages/${rootId}/follow`);
    const known = followed();
    if (yes && !known.items.has(rootId)) known.items.set(rootId, { unread: 0, lastReadSeq: 0, latestSeq: 0 });
    if (!yes) known.items.delete(rootId);
    changed();
  } catch (error) {
    notice(problemText(error), "error");
  }
}

function unreadThreads() {
  let n = 0;
  for (const item of followed().items.values()) if (item.unread > 0) n++;
  return n;
}

on("online", loadFollowed); // at boot and after every reconnection: the counts may have moved
on("resync", loadFollowed);

on("message", (message) => {
  if (!message.thread_root_id || state.phase !== "ready") return;
  const known = followed();
  const item = known.items.get(message.thread_root_id);
  const mine = message.author_id === state.me?.id;
  if (item) {
    item.latestSeq = Math.max(item.latestSeq, message.seq);
    if (mine) {
      item.lastReadSeq = item.latestSeq;
      item.unread = 0;
    } else if (message.seq > item.lastReadSeq) {
      item.unread++;
    }
    return;
  }
  // a reply that may have made the person follow it: theirs, to their message, or naming them
  const root = state.messages.get(message.thread_root_id);
  const named = (message.mentions?.user_ids || []).includes(state.me?.id);
  if (mine || named || root?.author_id === state.me?.id) reloadSoon();
});

// what the server tells this person's devices about their threads
on("thread.followed", (event) => {
  if (!followed().items.has(event.data.root_id)) reloadSoon();
});
on("thread.unfollowed", (event) => {
  followed().items.delete(event.data.root_id);
});
on("thread.read", (event) => {
  const item = followed().items.get(event.data.root_id);
  if (!item) return;
  item.lastReadSeq = Math.max(item.lastReadSeq, event.data.last_read_seq);
  if (item.lastReadSeq >= item.latestSeq) item.unread = 0;
});

const reading = new Map(); // root id -> timer: one read marker per burst

/** The newest reply in view, with the pane showing: the thread is read up to it. */
function markRead(root, timeline) {
  const item = followed().items.get(root.id);
  if (!item || document.visibilityState !== "visible" || timeline.hasNewer) return;
  const last = state.messages.get(timeline.ids[timeline.ids.length - 1]);
  if (!last || last.seq <= item.lastReadSeq) {
    if (item.unread) {
      item.unread = 0;
      changed();
    }
    return;
  }
  clearTimeout(reading.get(root.id));
  reading.set(
    root.id,
    setTimeout(() => {
      reading.delete(root.id);
      post(`/channels/${root.channel_id}/read`, { message_id: last.id, thread_root_id: root.id }).then(
        (read) => {
          item.lastReadSeq = Math.max(item.lastReadSeq, read?.last_read_seq ?? last.seq);
          item.unread = 0;
          changed();
        },
        () => {}, // the next look tries again
      );
    }, 300),
  );
}

// opening a thread ----------------------------------------------------------------------------

/** Open a thread in the pane; Esc gives the focus back to the message it was opened from. */
export function openThread(rootId, event, extra = {}) {
  const target = event?.currentTarget;
  const opener = target?.closest?.("article") || target || null;
  openPane({ kind: "thread", rootId, opener, ...extra });
}

registerMessageAction({
  name: "thread",
  icon: "💬",
  label: () => t("thread.reply"),
  run: (message, event) => openThread(message.thread_root_id || message.id, event),
  shown: (message, context) => context !== "thread" && !message.deleted,
});

// under a root in the channel: how many replies, from whom, when the last came
function ThreadSummary({ message, context }) {
  if (context === "thread") return null;
  if (message.thread_root_id) {
    return html`<button type="button" class="link thread-origin" onClick=${(e) => openThread(message.thread_root_id, e)}>
      <span aria-hidden="true">↳ </span>${t("thread.replied")}</button>`;
  }
  const summary = message.thread;
  if (!summary?.reply_count) return null;
  const people = (summary.participants || []).slice(0, 3).map(displayName);
  const last = summary.last_reply_at ? new Date(summary.last_reply_at) : null;
  const lastText = last && (last.toDateString() === new Date().toDateString() ? time(last) : when(last));
  return html`<button type="button" class="thread-summary" onClick=${(e) => openThread(message.id, e)} data-testid="thread-summary">
    <span class="thread-count">${t("thread.replies", { n: summary.reply_count })}</span>
    ${people.length > 0 && html`<span class="thread-people">, ${t("thread.from", { people: list(people) })}</span>`}
    ${lastText && html`<span class="thread-last">. ${t("thread.last_reply", { when: lastText })}</span>`}
  </button>`;
}

registerMessagePart("thread", ThreadSummary);

// the thread pane -----------------------------------------------------------------------------

function ThreadPane({ pane }) {
  const rootId = pane.rootId;
  useEffect(() => {
    let gone = false;
    (async () => {
      let root = state.messages.get(rootId);
      if (!root) root = remember(await get(`/messages/${rootId}`));
      if (gone) return;
      if (root.thread_root_id) {
        // a reply's id: its thread is the root's
        openPane({ ...pane, rootId: root.thread_root_id });
        return;
      }
      const timeline = threadOf(rootId);
      timeline.channelId = timeline.channelId || root.channel_id;
      await timeline.latest();
    })().catch((error) => {
      if (gone) return;
      state.threadError = { rootId, error };
      changed();
    });
    if (!followed().complete) loadFollowed();
    return () => {
      gone = true;
      if (state.threadError?.rootId === rootId) state.threadError = null;
    };
  }, [rootId]);

  if (state.threadError?.rootId === rootId) return html`<p class="thread-error" role="alert">${problemText(state.threadError.error)}</p>`;
  const root = state.messages.get(rootId);
  if (!root || root.thread_root_id) return html`<p class="thread-loading" role="status">${t("app.loading")}</p>`;
  const timeline = threadOf(rootId);
  if (!timeline.channelId) timeline.channelId = root.channel_id;
  const ch = state.channels.get(root.channel_id);
  const isFollowing = following(rootId);
  const count = root.thread?.reply_count || 0;
  const member = ch && ch.is_member !== false;

  return html`<div class="thread">
    <div class="thread-bar">
      ${pane.from === "threads" && html`<button type="button" class="link thread-back"
        onClick=${() => openPane({ kind: "threads", opener: pane.opener })}><span aria-hidden="true">← </span>${t("thread.back")}</button>`}
      <span class="thread-where">${t("thread.in", { name: channelName(ch) })}</span>
      <button type="button" class="thread-follow" aria-pressed=${isFollowing ? "true" : "false"} disabled=${isFollowing === null || !member}
        aria-describedby="thread-follow-hint" onClick=${() => setFollowing(rootId, !isFollowing)}>
        <span aria-hidden="true">${isFollowing ? "✓ " : "+ "}</span>${t("thread.follow")}</button>
      <span id="thread-follow-hint" hidden>${t(isFollowing ? "thread.follow_hint" : "thread.not_following")}</span>
    </div>
    <div class="thread-root">
      ${root.deleted
        ? html`<p class="deleted-body">${t("messages.deleted")}</p>`
        : html`<${Message} message=${root} context="thread" />`}
    </div>
    <p class="thread-divider" role="status"><span>${count ? t("thread.replies", { n: count }) : t("thread.no_replies")}</span></p>
    <${MessageList} timeline=${timeline} label=${t("thread.log")} context="thread"
      pending=${pendingIn(root.channel_id, rootId)} onBottom=${() => markRead(root, timeline)} />
    <${Typing} channelId=${root.channel_id} threadRootId=${rootId} />
    ${ch?.archived_at
      ? html`<p class="archived" role="status">${t("thread.archived")}</p>`
      : member
        ? html`<${Composer} channelId=${root.channel_id} threadRootId=${rootId} alsoToChannel=${true} id="thread-composer"
            label=${t("thread.composer", { name: displayName(root.author_id) })} />`
        : html`<p class="archived">${t("thread.not_member")}</p>`}
  </div>`;
}

registerPane("thread", ThreadPane, () => t("thread.title"));

// the followed threads pane -------------------------------------------------------------------

function ThreadsPane({ pane }) {
  useEffect(() => {
    loadFollowed(); // fresh counts each time it is opened
  }, []);
  const known = followed();
  if (!known.complete) {
    if (known.error) return html`<p class="thread-error" role="alert">${problemText(known.error)}</p>`;
    return html`<p class="thread-loading" role="status">${t("threads.loading")}</p>`;
  }
  const rows = [...known.items.entries()]
    .map(([rootId, item]) => ({ root: state.messages.get(rootId), item }))
    .filter(({ root }) => root && !root.deleted)
    .sort(
      (a, b) =>
        (b.item.unread > 0) - (a.item.unread > 0) ||
        Date.parse(b.root.thread?.last_reply_at || b.root.created_at) - Date.parse(a.root.thread?.last_reply_at || a.root.created_at),
    );
  if (!rows.length) return html`<p class="threads-empty">${t("threads.none")}</p>`;
  return html`<ul class="threads" aria-label=${t("threads.list")}>
    ${rows.map(({ root, item }) => {
      const where = channelName(state.channels.get(root.channel_id));
      const author = displayName(root.author_id);
      const replies = t("thread.replies", { n: root.thread?.reply_count || 0 });
      const unread = item.unread > 0 ? t("threads.unread", { n: item.unread }) : "";
      const last = root.thread?.last_reply_at ? when(new Date(root.thread.last_reply_at)) : "";
      return html`<li key=${root.id} class=${"thread-item" + (item.unread > 0 ? " unread" : "")}>
        <button type="button" class="thread-open" onClick=${() => openPane({ kind: "thread", rootId: root.id, opener: pane.opener, from: "threads" })}>
          <span class="thread-item-head"><span class="thread-item-where">${where}</span>
            ${item.unread > 0 && html`<span class="badge" aria-hidden="true">${item.unread}</span>`}</span>
          <span class="thread-item-text"><span class="author">${author}</span>: ${plainText(root)}</span>
          <span class="thread-item-meta">${replies}${last && html`<span aria-hidden="true"> · </span>${last}`}${unread && html`<span class="visually-hidden">, ${unread}</span>`}</span>
        </button>
      </li>`;
    })}
  </ul>`;
}

registerPane("threads", ThreadsPane, () => t("threads.title"));

registerChannelButton({
  name: "threads",
  icon: () => {
    const n = unreadThreads();
    return html`<span aria-hidden="true">🧵</span>${n > 0 && html`<span class="badge threads-badge" aria-hidden="true">${n}</span>`}`;
  },
  label: () => t("threads.button", { n: unreadThreads() }),
  pane: "threads",
});
