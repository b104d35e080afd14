// The composer: Markdown text, Enter to send, Shift+Enter for a new line, Up on an empty box
// edits your last message; typing is told to the channel at most every few seconds. Features
// plug in here: autocomplete (@, #, :) and attachments.
import { html, useRef, useState, useEffect } from "../lib/html.js";
import { state, changed } from "../lib/store.js";
import { t } from "../lib/i18n.js";
import { send } from "../lib/outbox.js";
import { command } from "../lib/socket.js";
import { editing } from "./message.js";

export const MAX_LENGTH = 40_000; // the server's default; it answers a clear problem past its own

const addons = []; // [{ name, view, onKey(event, box) -> bool handled, beforeSend(draft) }]

/** A feature of the composer (autocomplete, attachments): a view beside the box and hooks. */
export function registerComposerAddon(addon) {
  addons.push(addon);
}

const drafts = new Map(); // what was typed per channel/thread, kept while the app is open

export function Composer({ channelId, threadRootId = null, label, id = "composer", alsoToChannel = false }) {
  const box = useRef(null);
  const key = threadRootId ? `${channelId}/${threadRootId}` : channelId;
  const [text, setText] = useState(drafts.get(key) || "");
  const [also, setAlso] = useState(false);
  const lastTyping = useRef(0);
  const draft = useRef({ fileIds: [], uploading: 0 }); // attachments add their ids here

  useEffect(() => {
    setText(drafts.get(key) || "");
    draft.current = { fileIds: [], uploading: 0 };
  }, [key]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = Math.min(el.scrollHeight, 240) + "px";
  }, [text]);

  const update = (value) => {
    setText(value);
    drafts.set(key, value);
    const now = Date.now();
    // told at most every 3 s; a command the socket could not take (not connected yet) is
    // tried again at the next key
    if (value && now - lastTyping.current > 3_000) {
      if (command({ type: "typing.start", channel_id: channelId, thread_root_id: threadRootId })) {
        lastTyping.current = now;
      }
    }
  };

  const submit = () => {
    const body = text.trim();
    const fileIds = draft.current.fileIds;
    if ((!body && !fileIds.length) || draft.current.uploading) return;
    if (body.length > MAX_LENGTH) return;
    send(channelId, body, { threadRootId, alsoToChannel: also, fileIds: [...fileIds] }).catch(() => {});
    for (const addon of addons) addon.sent?.(draft.current);
    draft.current = { fileIds: [], uploading: 0 };
    setText("");
    drafts.delete(key);
    setAlso(false);
    if (lastTyping.current) command({ type: "typing.stop", channel_id: channelId, thread_root_id: threadRootId });
    lastTyping.current = 0;
    changed();
  };

  const onKey = (event) => {
    for (const addon of addons) if (addon.onKey?.(event, box.current, update)) return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === "ArrowUp" && !text) {
      const mine = lastOwnMessage(channelId, threadRootId);
      if (mine) {
        event.preventDefault();
        editing.id = mine.id;
        changed();
      }
    }
  };

  const over = text.length - MAX_LENGTH;
  return html`<form class="composer" onSubmit=${(e) => (e.preventDefault(), submit())} data-composer=${key}>
    <label class="visually-hidden" for=${id}>${label}</label>
    ${addons.map(({ name, view: View }) => View && html`<${View} key=${name} channelId=${channelId} draft=${draft} box=${box} update=${update} text=${text} />`)}
    <textarea id=${id} ref=${box} rows="1" value=${text} placeholder=${label} aria-describedby=${id + "-hint"}
      onInput=${(e) => update(e.target.value)} onKeyDown=${onKey} disabled=${!channelId}></textarea>
    <p id=${id + "-hint"} class="hint">${over > 0 ? t("composer.too_long", { n: over }) : t("composer.hint")}</p>
    ${alsoToChannel && html`<label class="also"><input type="checkbox" checked=${also} onChange=${(e) => setAlso(e.target.checked)} />
      ${t("thread.also_send")}</label>`}
    <button type="submit" class="primary send" disabled=${over > 0}>${t("composer.send")}</button>
  </form>`;
}

function lastOwnMessage(channelId, threadRootId) {
  const timeline = state.timelines.get(threadRootId ? "thread:" + threadRootId : channelId);
  if (!timeline) return null;
  for (let i = timeline.ids.length - 1; i >= 0; i--) {
    const message = state.messages.get(timeline.ids[i]);
    if (message && message.author_id === state.me?.id && !message.deleted) return message;
  }
  return null;
}
