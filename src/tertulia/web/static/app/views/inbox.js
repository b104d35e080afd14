// The inbox: a top-bar button with the count of unread notifications (kept live by the
// socket), opening a pane of the mentions of the person, newest first, each with its message,
// channel and time; a click jumps to the message. It also offers desktop notifications.
import { html, useEffect, useState } from "../lib/html.js";
import { state, changed, channelTitle, displayName, notice } from "../lib/store.js";
import { addStrings, t, when, time, dayLabel, problemText } from "../lib/i18n.js";
import { get, post } from "../lib/api.js";
import { on } from "../lib/events.js";
import { href } from "../lib/router.js";
import { supported, permission, requestPermission, jumpTo } from "../lib/notify.js";
import { fillTopBar } from "./topbar.js";
import { registerPane, openPane, closePane } from "./pane.js";
import { usePages, PageFooter } from "./channels-common.js";

const COUNT_UP_TO = 100; // the badge says "99+" past it
const PROMPT_KEY = "tertulia.notify.prompt"; // "dismissed": a choice of this device, as the language

/** Ask the server how many notifications are unread (it keeps no count: read up to 100). */
async function recount() {
  try {
    const page = await get("/notifications", { unread: true, limit: COUNT_UP_TO });
    state.unreadNotifications = page.next_cursor ? COUNT_UP_TO : page.items.length;
    changed();
  } catch {
    // the next change asks again
  }
}

on("notifications-changed", recount);

function InboxButton() {
  const n = state.unreadNotifications || 0;
  const open = state.pane?.kind === "inbox";
  const toggle = (event) => (open ? closePane() : openPane({ kind: "inbox", opener: event.currentTarget }));
  return html`<button type="button" class="inbox-button" onClick=${toggle} aria-expanded=${open ? "true" : "false"}
      aria-label=${t("inbox.button", { n })} title=${t("inbox.title")}>
    <span aria-hidden="true">🔔</span>
    ${n > 0 && html`<span class="badge" aria-hidden="true" data-testid="inbox-badge">${n >= COUNT_UP_TO ? "99+" : n}</span>`}
  </button>`;
}

function DesktopPrompt() {
  const [hidden, setHidden] = useState(() => localStorage.getItem(PROMPT_KEY) === "dismissed");
  if (hidden || !supported() || permission() !== "default") return null;
  const enable = async () => {
    const answer = await requestPermission();
    notice(t(answer === "granted" ? "inbox.desktop.on" : "inbox.desktop.blocked"));
    setHidden(true);
  };
  const dismiss = () => {
    localStorage.setItem(PROMPT_KEY, "dismissed");
    setHidden(true);
  };
  return html`<section class="desktop-prompt" aria-labelledby="desktop-prompt-text">
    <p id="desktop-prompt-text">${t("inbox.desktop.ask")}</p>
    <div class="admin-actions">
      <button type="button" class="link" onClick=${dismiss}>${t("inbox.desktop.dismiss")}</button>
      <button type="button" class="primary" onClick=${enable}>${t("inbox.desktop.enable")}</button>
    </div>
  </section>`;
}

function where(item) {
  const ch = state.channels.get(item.channel_id);
  if (ch) return ch.kind === "public" || ch.kind === "private" ? "#" + ch.name : channelTitle(ch);
  return state.workspaces.find((w) => w.id === item.workspace_id)?.name || t("inbox.elsewhere");
}

function Item({ item, opened }) {
  const message = item.message;
  const at = new Date(item.created_at);
  const route = { view: "channel", workspaceId: item.workspace_id, channelId: item.channel_id, messageId: message.id };
  const open = (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    opened(item);
  };
  const author = displayName(message.author_id);
  const place = where(item);
  return html`<li class=${"inbox-item" + (item.read_at ? "" : " unread")}>
    <div class="inbox-head">
      <a class="inbox-link" href=${href(route)} onClick=${open}>
        ${!item.read_at && html`<span class="visually-hidden">${t("inbox.unread")} </span>`}
        ${t("inbox.item", { author, place })}
      </a>
      <time datetime=${item.created_at} title=${when(at)}>${dayLabel(at)} ${time(at)}</time>
    </div>
    ${item.kind !== "mention" && html`<p class="inbox-kind">${t("inbox.kind." + item.kind)}</p>`}
    <div class="body inbox-body" dangerouslySetInnerHTML=${{ __html: message.html }}></div>
  </li>`;
}

function Inbox() {
  const pages = usePages((cursor) => get("/notifications", { before: cursor, limit: 30 }), [state.me?.id]);
  const [problem, setProblem] = useState(null);
  useEffect(() => {
    const offs = [on("notification", () => pages.reload()), on("notifications-changed", () => pages.reload())];
    return () => offs.forEach((off) => off());
  }, []);
  const unread = pages.items.some((i) => !i.read_at) || state.unreadNotifications > 0;

  const readAll = async () => {
    setProblem(null);
    try {
      await post("/notifications/read", {});
      const now = new Date().toISOString();
      pages.setItems((items) => items.map((i) => ({ ...i, read_at: i.read_at || now })));
      state.unreadNotifications = 0;
      changed();
    } catch (error) {
      setProblem(error);
    }
  };
  const opened = (item) => {
    if (!item.read_at) {
      pages.setItems((items) => items.map((i) => (i === item ? { ...i, read_at: new Date().toISOString() } : i)));
      state.unreadNotifications = Math.max(0, (state.unreadNotifications || 0) - 1);
      post("/notifications/read", { message_ids: [item.message_id] }).catch(() => {});
    }
    jumpTo(item.message, item.workspace_id).catch((error) => notice(problemText(error), "error"));
  };

  return html`<div class="inbox">
    <${DesktopPrompt} />
    <div class="inbox-tools">
      <button type="button" onClick=${readAll} disabled=${!unread}>${t("inbox.read_all")}</button>
    </div>
    ${problem && html`<p class="form-error" role="alert">${problemText(problem)}</p>`}
    <ul class="inbox-list" aria-label=${t("inbox.list")}>
      ${pages.items.map((item) => html`<${Item} key=${item.message_id} item=${item} opened=${opened} />`)}
    </ul>
    ${pages.loaded && !pages.items.length && html`<p class="hint inbox-empty">${t("inbox.empty")}</p>`}
    <${PageFooter} pages=${pages} />
  </div>`;
}

fillTopBar("inbox", InboxButton);
registerPane("inbox", Inbox, () => t("inbox.title"));

addStrings({
  en: {
    "inbox.title": "Inbox",
    "inbox.button": ({ n }) => (n ? `Inbox, ${n >= COUNT_UP_TO ? "99+" : n} unread` : "Inbox"),
    "inbox.list": "Mentions of you",
    "inbox.item": "{author} in {place}",
    "inbox.unread": "Unread:",
    "inbox.elsewhere": "another workspace",
    "inbox.kind.everyone": "Mentioned everyone in the channel",
    "inbox.kind.here": "Mentioned everyone online",
    "inbox.read_all": "Mark all read",
    "inbox.empty": "Nothing here yet. When someone mentions you, it shows up here.",
    "inbox.desktop.ask": "Get a desktop notification when you are mentioned or sent a direct message while Tertulia is in the background.",
    "inbox.desktop.enable": "Enable desktop notifications",
    "inbox.desktop.dismiss": "Not now",
    "inbox.desktop.on": "Desktop notifications are on.",
    "inbox.desktop.blocked": "Desktop notifications are off: the browser did not allow them.",
    "notify.title": "{author} in {channel}",
    "notify.group": "a group conversation",
    "notify.no_text": "(a file)",
  },
  es: {
    "inbox.title": "Bandeja de entrada",
    "inbox.button": ({ n }) => (n ? `Bandeja de entrada, ${n >= COUNT_UP_TO ? "99+" : n} sin leer` : "Bandeja de entrada"),
    "inbox.list": "Menciones a ti",
    "inbox.item": "{author} en {place}",
    "inbox.unread": "Sin leer:",
    "inbox.elsewhere": "otro espacio",
    "inbox.kind.everyone": "Mencionó a todo el canal",
    "inbox.kind.here": "Mencionó a todos los conectados",
    "inbox.read_all": "Marcar todo como leído",
    "inbox.empty": "Aún no hay nada. Cuando alguien te mencione, aparecerá aquí.",
    "inbox.desktop.ask": "Recibe un aviso en el escritorio cuando te mencionen o te escriban un mensaje directo con Tertulia en segundo plano.",
    "inbox.desktop.enable": "Activar avisos de escritorio",
    "inbox.desktop.dismiss": "Ahora no",
    "inbox.desktop.on": "Los avisos de escritorio están activados.",
    "inbox.desktop.blocked": "Los avisos de escritorio están desactivados: el navegador no los permitió.",
    "notify.title": "{author} en {channel}",
    "notify.group": "una conversación de grupo",
    "notify.no_text": "(un archivo)",
  },
});
