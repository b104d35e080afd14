// One message: who, when, the server's sanitised HTML (the only HTML we insert), and what
// features add around it (files, reactions, the thread summary) and to its actions.
import { html, useState, useRef, useEffect } from "../lib/html.js";
import { state, displayName, notice } from "../lib/store.js";
import { t, time, when, problemText } from "../lib/i18n.js";
import { patch, del } from "../lib/api.js";
import { remember } from "../lib/timeline.js";
import { confirmDialog } from "./dialog.js";

const parts = []; // [{ name, view }] rendered under the body, in order of registration
const actions = []; // [{ name, label(message), run(message, event), shown(message) }]

/** A feature's view under every message body (files, reactions, thread summary…). */
export function registerMessagePart(name, view) {
  parts.push({ name, view });
}

/** A feature's action on a message (react, reply in thread, pin…), in its toolbar. */
export function registerMessageAction(action) {
  actions.push(action);
}

let authorAction = null; // (userId, event): what a click on an author's name does

/** Make authors' names buttons (the people feature opens the person's card). */
export function registerAuthorAction(run) {
  authorAction = run;
}

export const editing = { id: null }; // the message being edited (Up in the composer sets it)

export function Message({ message, grouped, focused, onEdited, context = "channel" }) {
  const [, redraw] = useState(0);
  const mine = message.author_id === state.me?.id;
  const at = new Date(message.created_at);
  const isEditing = editing.id === message.id;
  const setEditing = (on) => {
    editing.id = on ? message.id : null;
    redraw((n) => n + 1);
    if (!on) onEdited?.();
  };
  const name = displayName(message.author_id);
  const classes = ["message", grouped ? "grouped" : "", focused ? "focused" : "", message.deleted ? "deleted" : ""];
  return html`<article class=${classes.join(" ")} data-testid="message" data-message-id=${message.id}
      aria-labelledby=${"m-" + message.id + "-who"} tabindex="-1">
    ${!grouped && html`<div class="avatar" aria-hidden="true">${initials(name)}</div>`}
    <div class="message-main">
      <header class=${grouped ? "visually-hidden" : "message-head"}>
        ${authorAction
          ? html`<button type="button" class="author" id=${"m-" + message.id + "-who"} tabindex=${grouped ? "-1" : undefined} onClick=${(e) => authorAction(message.author_id, e)}>${name}</button>`
          : html`<span class="author" id=${"m-" + message.id + "-who"}>${name}</span>`}
        <time datetime=${message.created_at} title=${when(at)}>${time(at)}</time>
      </header>
      ${message.deleted
        ? html`<p class="body deleted-body">${t("messages.deleted")}</p>`
        : isEditing
          ? html`<${EditBox} message=${message} done=${() => setEditing(false)} />`
          : html`<div class="body" dangerouslySetInnerHTML=${{ __html: message.html }}></div>
                 ${message.edited_at && html`<span class="edited" title=${when(new Date(message.edited_at))}>${t("messages.edited")}</span>`}`}
      ${!message.deleted && parts.map(({ name: key, view: Part }) => html`<${Part} key=${key} message=${message} context=${context} />`)}
    </div>
    ${!message.deleted && !isEditing && html`<${Toolbar} message=${message} mine=${mine} edit=${() => setEditing(true)} context=${context} />`}
  </article>`;
}

function initials(name) {
  return (name || "?").split(/\s+/).slice(0, 2).map((w) => w[0] || "").join("").toUpperCase();
}

function Toolbar({ message, mine, edit, context }) {
  const remove = async () => {
    if (!(await confirmDialog(t("messages.delete.confirm"), t("messages.delete")))) return;
    try {
      await del(`/messages/${message.id}`);
    } catch (error) {
      notice(problemText(error), "error");
    }
  };
  const shown = actions.filter((a) => !a.shown || a.shown(message, context));
  return html`<div class="toolbar" role="group" aria-label=${t("messages.actions")}>
    ${shown.map((a) => html`<button type="button" class="icon" key=${a.name} data-action=${a.name}
        aria-label=${a.label(message)} title=${a.label(message)} onClick=${(e) => a.run(message, e)}>${a.icon}</button>`)}
    ${mine && html`<button type="button" class="icon" data-action="edit" aria-label=${t("messages.edit")} title=${t("messages.edit")} onClick=${edit}>✎</button>`}
    ${mine && html`<button type="button" class="icon" data-action="delete" aria-label=${t("messages.delete")} title=${t("messages.delete")} onClick=${remove}>🗑</button>`}
  </div>`;
}

function EditBox({ message, done }) {
  const box = useRef(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const el = box.current;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const save = async () => {
    const text = box.current.value.trim();
    if (!text || text === message.text) return done();
    setBusy(true);
    try {
      remember(await patch(`/messages/${message.id}`, { text, version: message.version }));
      done();
    } catch (error) {
      setBusy(false);
      notice(problemText(error), "error");
    }
  };
  const onKey = (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      done();
    }
  };
  return html`<div class="edit-box">
    <label class="visually-hidden" for=${"edit-" + message.id}>${t("messages.edit")}</label>
    <textarea id=${"edit-" + message.id} ref=${box} rows="2" onKeyDown=${onKey} disabled=${busy}>${message.text}</textarea>
    <div class="edit-actions">
      <button type="button" onClick=${done}>${t("messages.cancel")}</button>
      <button type="button" class="primary" onClick=${save} disabled=${busy}>${t("messages.save")}</button>
    </div>
  </div>`;
}
