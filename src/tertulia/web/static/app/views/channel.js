// A channel: its header, its messages and the composer. Opening one loads its latest page
// (or the page around a linked message), tells the socket what is on screen, and marks it
// read while the newest message is in view.
import { html, useEffect, useRef, Component } from "../lib/html.js";
import { state, changed, channelTitle, notice } from "../lib/store.js";
import { t, problemText } from "../lib/i18n.js";
import { get, post } from "../lib/api.js";
import { command } from "../lib/socket.js";
import { timelineOf } from "../lib/timeline.js";
import { pendingIn } from "../lib/outbox.js";
import { MessageList } from "./messages.js";
import { Composer } from "./composer.js";
import { Typing } from "./typing.js";
import { openPane } from "./pane.js";

const KEPT_CHANNELS = 4;

/** A channel's message list, built once and kept while hidden (only its own changes and
 * becoming shown draw it again). */
class Slot extends Component {
  shouldComponentUpdate(next) {
    return next.active || next.active !== this.props.active || next.version !== this.props.version;
  }

  render({ active, ...list }) {
    return html`<div class="timeline-slot" hidden=${!active}><${MessageList} active=${active} ...${list} /></div>`;
  }
}

const headerButtons = []; // [{ name, label(ch), icon, pane }] features add theirs

export function registerChannelButton(button) {
  headerButtons.push(button);
}

export function ChannelView({ channelId, messageId }) {
  const ch = channelId ? state.channels.get(channelId) : null;
  const timeline = channelId ? timelineOf(channelId) : null;
  // where the unread part began when the person opened the channel (the "new messages" line
  // stays there while they read, even after the channel is marked read)
  const opened = useRef({ id: null, seq: null });
  // the last few channels opened stay in the page, hidden: going back to one shows it as it
  // was (its place in the history too) without building it again
  const slots = useRef([]);
  const used = useRef(new Map());
  if (channelId) {
    used.current.set(channelId, performance.now());
    if (!slots.current.includes(channelId)) {
      if (slots.current.length < KEPT_CHANNELS) slots.current = [...slots.current, channelId];
      else {
        const oldest = slots.current.reduce((a, b) => (used.current.get(a) <= used.current.get(b) ? a : b));
        used.current.delete(oldest);
        slots.current = slots.current.map((id) => (id === oldest ? channelId : id)); // in place: no other moves
      }
    }
  }
  if (opened.current.id !== channelId) {
    const known = channelId ? state.channels.get(channelId) : null;
    const unread = known && (known.unread_messages > 0 || known.mentions > 0);
    opened.current = { id: channelId, seq: unread ? known.last_read_seq ?? 0 : null };
  }

  useEffect(() => {
    if (!channelId) return;
    const known = state.channels.get(channelId);
    if (!known) {
      get(`/channels/${channelId}`).then(
        (found) => {
          state.channels.set(found.id, { unread_messages: 0, mentions: 0, last_read_seq: 0, latest_seq: 0, ...found });
          changed();
        },
        (error) => notice(problemText(error), "error"),
      );
    }
    if (messageId) timeline.around(messageId).catch((error) => notice(problemText(error), "error"));
    else if (!timeline.loaded || timeline.hasNewer) timeline.latest().catch((error) => notice(problemText(error), "error"));
    command({ type: "view", channel_id: channelId });
    document.title = `${channelTitle(known) || "…"} · Tertulia`;
  }, [channelId, messageId]);

  useEffect(() => {
    if (ch) document.title = `${channelTitle(ch)} · Tertulia`;
  }, [ch?.name]);

  if (!channelId || !timeline) return html`<main class="channel empty" id="main"></main>`;
  const title = channelTitle(ch);
  const name = ch && (ch.kind === "public" || ch.kind === "private") ? "#" + title : title;
  const member = ch && ch.is_member !== false;

  return html`<main class="channel" id="main" aria-labelledby="channel-title">
    <header class="channel-head">
      <h1 id="channel-title">${name}</h1>
      ${ch?.topic && html`<p class="topic" title=${ch.topic}>${ch.topic}</p>`}
      <div class="channel-buttons">
        ${headerButtons.filter((b) => !b.shown || b.shown(ch)).map((b) => html`<button type="button" class="icon" key=${b.name}
          data-action=${b.name} aria-label=${b.label(ch)} title=${b.label(ch)}
          onClick=${(e) => openPane({ kind: b.pane, channelId, opener: e.currentTarget })}>${b.icon(ch)}</button>`)}
      </div>
    </header>
    ${slots.current.map((id) => html`<${Slot} key=${id} active=${id === channelId} version=${timelineOf(id).version}
      timeline=${timelineOf(id)} label=${id === channelId ? name : ""}
      firstUnreadSeq=${id === channelId ? opened.current.seq : null} pending=${pendingIn(id)}
      onBottom=${() => markRead(id, timelineOf(id))} />`)}
    <${Typing} channelId=${channelId} />
    ${ch?.archived_at
      ? html`<p class="archived" role="status">${t("channel.archived")}</p>`
      : member
        ? html`<${Composer} channelId=${channelId} label=${t("composer.label", { name })} />`
        : ch && html`<div class="join"><p>${t("channel.not_member", { name: title })}</p>
            <button class="primary" type="button" onClick=${() => join(channelId)}>${t("channel.join")}</button></div>`}
  </main>`;
}

const reading = new Map(); // channel id -> timer: one read marker per burst

function markRead(channelId, timeline) {
  const ch = state.channels.get(channelId);
  if (!ch || document.visibilityState !== "visible" || timeline.hasNewer) return;
  const last = state.messages.get(timeline.ids[timeline.ids.length - 1]);
  if (!last || last.seq <= (ch.last_read_seq || 0)) {
    if (ch.unread_messages || ch.mentions) {
      ch.unread_messages = 0;
      ch.mentions = 0;
      changed();
    }
    return;
  }
  clearTimeout(reading.get(channelId));
  reading.set(
    channelId,
    setTimeout(() => {
      post(`/channels/${channelId}/read`, { message_id: last.id }).then(
        (read) => {
          ch.last_read_seq = Math.max(ch.last_read_seq || 0, read?.last_read_seq ?? last.seq);
          ch.unread_messages = 0;
          ch.mentions = 0;
          changed();
        },
        () => {},
      );
    }, 300),
  );
}

async function join(channelId) {
  try {
    const ch = await post(`/channels/${channelId}/members`, { user_id: state.me.id });
    state.channels.set(ch.id, { ...state.channels.get(ch.id), ...ch, is_member: true });
    changed();
  } catch (error) {
    notice(problemText(error), "error");
  }
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") changed();
});
