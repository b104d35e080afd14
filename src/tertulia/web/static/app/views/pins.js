// Pins: a message's Pin/Unpin action, a marker on pinned messages, and the channel's pinned
// messages in the side pane (opened from the channel header), each a jump to it in place.
import { html, useEffect, useState } from "../lib/html.js";
import { state, changed, displayName, notice, channelTitle } from "../lib/store.js";
import { t, when, addStrings, problemText } from "../lib/i18n.js";
import { get, put, del } from "../lib/api.js";
import { on } from "../lib/events.js";
import { go } from "../lib/router.js";
import { remember, timelineOf } from "../lib/timeline.js";
import { registerMessagePart, registerMessageAction } from "./message.js";
import { registerChannelButton } from "./channel.js";
import { registerPane } from "./pane.js";

const LIMIT = 200; // the server's page: a channel's pins fit in one

addStrings({
  en: {
    "pins.pin": "Pin to channel",
    "pins.unpin": "Unpin from channel",
    "pins.button": "Pinned messages",
    "pins.title": "Pinned in {name}",
    "pins.pinned": "Pinned",
    "pins.pinned_by": "Pinned by {name}",
    "pins.list": "Pinned messages of {name}",
    "pins.none": "Nothing is pinned here yet. Pin a message from its actions to keep it at hand.",
    "pins.unpin_one": "Unpin the message of {author}",
    "pins.loading": "Loading the pinned messages…",
  },
  es: {
    "pins.pin": "Fijar en el canal",
    "pins.unpin": "Dejar de fijar",
    "pins.button": "Mensajes fijados",
    "pins.title": "Fijados en {name}",
    "pins.pinned": "Fijado",
    "pins.pinned_by": "Fijado por {name}",
    "pins.list": "Mensajes fijados de {name}",
    "pins.none": "Aún no hay nada fijado aquí. Fija un mensaje desde sus acciones para tenerlo a mano.",
    "pins.unpin_one": "Dejar de fijar el mensaje de {author}",
    "pins.loading": "Cargando los mensajes fijados…",
  },
});

export async function setPinned(message, pinned) {
  try {
    remember(await (pinned ? put : del)(`/messages/${message.id}/pin`));
    changed();
  } catch (error) {
    notice(problemText(error), "error");
  }
}

function canPin(message) {
  const ch = state.channels.get(message.channel_id);
  return !message.deleted && ch?.is_member !== false && !ch?.archived_at;
}

registerMessageAction({
  name: "pin",
  icon: "📌",
  label: (message) => t(message.pinned_at ? "pins.unpin" : "pins.pin"),
  run: (message) => setPinned(message, !message.pinned_at),
  shown: (message) => canPin(message),
});

function PinnedMarker({ message }) {
  if (!message.pinned_at) return null;
  const text = message.pinned_by ? t("pins.pinned_by", { name: displayName(message.pinned_by) }) : t("pins.pinned");
  return html`<p class="pinned-marker"><span aria-hidden="true">📌 </span>${text}</p>`;
}

registerMessagePart("pinned", PinnedMarker);

const channelName = (ch) => (ch && (ch.kind === "public" || ch.kind === "private") ? "#" + channelTitle(ch) : channelTitle(ch));

registerChannelButton({
  name: "pins",
  icon: () => "📌",
  label: () => t("pins.button"),
  pane: "pins",
  shown: (ch) => !!ch,
});

// the pane ------------------------------------------------------------------------------------

/** A message's text without its markup, for a one-line preview (parsed, never run). */
function plainText(message) {
  const doc = new DOMParser().parseFromString(message.html || "", "text/html");
  const text = (doc.body.textContent || message.text || "").replace(/\s+/g, " ").trim();
  return text.length > 160 ? text.slice(0, 159) + "…" : text;
}

/** Show a message in its channel, highlighted and focused (a jump to the same one again too). */
export function jumpTo(message) {
  const route = state.route;
  timelineOf(message.channel_id).focusShown = false; // shown once already: show it again
  if (route.view === "channel" && route.channelId === message.channel_id && route.messageId === message.id) {
    timelineOf(message.channel_id).around(message.id).catch((error) => notice(problemText(error), "error"));
    return;
  }
  go({ view: "channel", workspaceId: state.workspaceId, channelId: message.channel_id, messageId: message.id });
}

const listed = new Map(); // channel id -> ids of its pins, newest pin first, while its pane is open

function PinsPane({ pane }) {
  const channelId = pane.channelId;
  const [status, setStatus] = useState({ loading: true, error: null });
  useEffect(() => {
    let gone = false;
    setStatus({ loading: true, error: null });
    get(`/channels/${channelId}/pins`, { limit: LIMIT }).then(
      (page) => {
        if (gone) return;
        for (const message of page.items) remember(message);
        listed.set(channelId, page.items.map((m) => m.id));
        setStatus({ loading: false, error: null });
      },
      (error) => !gone && setStatus({ loading: false, error }),
    );
    return () => {
      gone = true;
      listed.delete(channelId);
    };
  }, [channelId]);

  const ch = state.channels.get(channelId);
  const name = channelName(ch);
  if (status.error) return html`<p class="pins-error" role="alert">${problemText(status.error)}</p>`;
  if (status.loading) return html`<p class="pins-loading" role="status">${t("pins.loading")}</p>`;
  const pins = (listed.get(channelId) || []).map((id) => state.messages.get(id)).filter((m) => m && m.pinned_at && !m.deleted);
  if (!pins.length) return html`<p class="pins-empty">${t("pins.none")}</p>`;
  return html`<ul class="pins" aria-label=${t("pins.list", { name })}>
    ${pins.map((message) => {
      const author = displayName(message.author_id);
      const at = when(new Date(message.created_at));
      const text = plainText(message);
      return html`<li class="pin" key=${message.id}>
        <button type="button" class="pin-jump" onClick=${() => jumpTo(message)}>
          <span class="pin-head"><span class="author">${author}</span><span class="visually-hidden">, </span>
            <time datetime=${message.created_at}>${at}</time><span class="visually-hidden">: </span></span>
          <span class="pin-text">${text}</span>
        </button>
        ${canPin(message) && html`<button type="button" class="icon pin-remove" aria-label=${t("pins.unpin_one", { author })}
          title=${t("pins.unpin")} onClick=${() => setPinned(message, false)}>✕</button>`}
      </li>`;
    })}
  </ul>`;
}

registerPane("pins", PinsPane, (pane) => t("pins.title", { name: channelName(state.channels.get(pane.channelId)) }));

// a message pinned while the pane is open joins the top of its list (unpinned ones drop out
// as they render: their pinned_at is gone)
on("message.pinned", (event) => {
  const id = event.data?.id ?? event.data?.message_id;
  const ids = listed.get(event.channel_id);
  if (id && ids && !ids.includes(id)) listed.set(event.channel_id, [id, ...ids]);
});
