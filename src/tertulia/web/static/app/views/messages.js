// A scrolling list of messages over a Timeline: oldest at the top, newest at the bottom;
// older pages load as the person scrolls up and the far end is dropped, so the page holds a
// few hundred messages whatever the channel's length. The place being read never jumps.
import { html, useRef, useLayoutEffect, useEffect, useState, Component } from "../lib/html.js";
import { state } from "../lib/store.js";
import { t, dayLabel, lang } from "../lib/i18n.js";
import { Message, editing } from "./message.js";
import { Pending } from "./pending.js";

const NEAR = 600; // px from an end at which the next page loads
const GROUP_WITHIN = 5 * 60_000;

export function MessageList({ timeline, label, firstUnreadSeq = null, pending = [], context = "channel", onBottom, active = true }) {
  const box = useRef(null);
  const anchor = useRef(null); // { id, top } to keep in place across a load
  const stuck = useRef(true); // at the bottom: new messages keep it there
  const [showJump, setShowJump] = useState(false);
  const messages = timeline.messages();

  const measureAnchor = () => {
    const el = box.current;
    if (!el) return;
    const top = el.getBoundingClientRect().top;
    for (const item of el.querySelectorAll("[data-message-id]")) {
      const rect = item.getBoundingClientRect();
      if (rect.bottom > top) {
        anchor.current = { id: item.dataset.messageId, top: rect.top - top };
        return;
      }
    }
  };

  const load = (which) => {
    measureAnchor();
    stuck.current = false;
    timeline[which]().catch(() => {});
  };

  const onScroll = () => {
    const el = box.current;
    if (!el || !active) return;
    const fromBottom = el.scrollHeight - el.scrollTop - el.clientHeight;
    stuck.current = fromBottom < 40 && !timeline.hasNewer;
    kept.current = el.scrollTop;
    setShowJump(timeline.hasNewer || fromBottom > el.clientHeight * 1.5);
    if (el.scrollTop < NEAR && timeline.hasOlder && !timeline.busy) load("older");
    else if (fromBottom < NEAR && timeline.hasNewer && !timeline.busy) load("newer");
    if (stuck.current) onBottom?.();
  };

  const frame = useRef(0);
  const onScrollEvent = () => {
    // one look per frame, however many scroll events the wheel sends
    if (!frame.current) {
      frame.current = requestAnimationFrame(() => {
        frame.current = 0;
        onScroll();
      });
    }
  };

  // the keyboard reads the list as it reads a feed: Up and Down move between messages (each
  // shows its actions when focused, and Tab reaches them), Home and End go to either end
  const onKeyDown = (event) => {
    const el = box.current;
    const current = event.target.closest?.("[data-message-id]");
    if (!el || (event.target !== el && event.target !== current)) return;
    const all = [...el.querySelectorAll("article[data-message-id]")];
    if (!all.length) return;
    let next = null;
    const at = current ? all.indexOf(current) : -1;
    if (event.key === "ArrowUp") next = at < 0 ? all[all.length - 1] : all[Math.max(0, at - 1)];
    else if (event.key === "ArrowDown") next = at < 0 ? all[all.length - 1] : all[Math.min(all.length - 1, at + 1)];
    else if (event.key === "Home") next = all[0];
    else if (event.key === "End") next = all[all.length - 1];
    if (!next) return;
    event.preventDefault();
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  };

  // after each change: keep the anchor where it was, or the bottom in view, or the focus
  const kept = useRef(0); // where the person was, for when a hidden list is shown again
  const wasActive = useRef(active);
  useLayoutEffect(() => {
    const el = box.current;
    const shown = active && !wasActive.current;
    wasActive.current = active;
    if (!el || !active) return;
    if (shown && !stuck.current && !timeline.focusId) el.scrollTop = kept.current;
    if (timeline.focusId && !timeline.focusShown) {
      const target = el.querySelector(`[data-message-id="${CSS.escape(timeline.focusId)}"]`);
      if (target) {
        // messages off screen have an estimated height until drawn (content-visibility): look
        // again for a few frames, as those around the target take their real heights
        target.scrollIntoView({ block: "center" });
        let frames = 3;
        const again = () => {
          if (!target.isConnected || frames-- <= 0) return;
          target.scrollIntoView({ block: "center" });
          requestAnimationFrame(again);
        };
        requestAnimationFrame(again);
        target.focus({ preventScroll: true });
        timeline.focusShown = true;
        stuck.current = false;
        return;
      }
    }
    if (anchor.current) {
      const item = el.querySelector(`[data-message-id="${CSS.escape(anchor.current.id)}"]`);
      if (item) el.scrollTop += item.getBoundingClientRect().top - el.getBoundingClientRect().top - anchor.current.top;
      anchor.current = null;
    } else if (stuck.current) {
      el.scrollTop = el.scrollHeight;
    }
    if (stuck.current) onBottom?.();
    // a window too short to scroll never fires a scroll event: fill it from the side it is near
    if (timeline.loaded && !timeline.busy && !timeline.error) {
      if (el.scrollTop < NEAR && timeline.hasOlder) setTimeout(() => onScroll(), 0);
      else if (el.scrollHeight - el.scrollTop - el.clientHeight < NEAR && timeline.hasNewer) setTimeout(() => onScroll(), 0);
    }
  });

  // a new timeline (another channel): start at the bottom
  useEffect(() => {
    stuck.current = !timeline.focusId;
    anchor.current = null;
    setShowJump(false);
  }, [timeline]);

  const jump = async () => {
    stuck.current = true;
    if (timeline.hasNewer) await timeline.latest();
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
    setShowJump(false);
    document.getElementById("composer")?.focus();
  };

  const rows = [];
  let previous = null;
  let unreadMarked = false;
  for (const message of messages) {
    const at = new Date(message.created_at);
    const newDay = !previous || new Date(previous.created_at).toDateString() !== at.toDateString();
    if (newDay) rows.push(html`<div class="day" role="separator" key=${"d" + message.id}><span>${dayLabel(at)}</span></div>`);
    const unread =
      !unreadMarked && firstUnreadSeq !== null && message.seq > firstUnreadSeq && message.author_id !== state.me?.id;
    if (unread) {
      unreadMarked = true;
      rows.push(html`<div class="new-line" role="separator" key="new" data-testid="new-messages"><span>${t("messages.new")}</span></div>`);
    }
    const grouped =
      !newDay && !unread && previous && !previous.deleted && previous.author_id === message.author_id &&
      at - new Date(previous.created_at) < GROUP_WITHIN;
    rows.push(html`<${Row} key=${message.id} message=${message} grouped=${grouped}
      focused=${timeline.focusId === message.id} context=${context} editing=${editing.id === message.id}
      people=${state.people} lang=${lang()} />`);
    previous = message;
  }

  return html`<div class="messages-wrap">
    <div class="messages" ref=${box} onScroll=${onScrollEvent} onKeyDown=${onKeyDown} role="log" aria-label=${label} aria-busy=${timeline.busy ? "true" : "false"} tabindex="0">
      ${timeline.hasOlder && html`<p class="older" role="status">${t("messages.older")}</p>`}
      ${!timeline.hasOlder && timeline.loaded && html`<p class="beginning">${t("channel.empty", { name: label })}</p>`}
      ${rows}
      ${!timeline.hasNewer && pending.map((p) => html`<${Pending} key=${p.id} item=${p} />`)}
    </div>
    ${showJump && html`<button type="button" class="jump" onClick=${jump}>${t("messages.jump")} ↓</button>`}
  </div>`;
}

/** A message that renders again only when something it shows changed: a list of hundreds
 * stays cheap when one of them gets a reaction or someone starts typing. */
class Row extends Component {
  shouldComponentUpdate(next) {
    const now = this.props;
    return (
      next.message !== now.message || next.grouped !== now.grouped || next.focused !== now.focused ||
      next.editing !== now.editing || next.people !== now.people || next.context !== now.context ||
      next.lang !== now.lang
    );
  }

  render(props) {
    return html`<${Message} ...${props} />`;
  }
}
