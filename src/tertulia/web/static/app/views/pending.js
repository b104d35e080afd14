// A message on its way: shown at once, marked until the server has it.
import { html } from "../lib/html.js";
import { state, displayName } from "../lib/store.js";
import { t, problemText } from "../lib/i18n.js";
import { retry, discard } from "../lib/outbox.js";

export function Pending({ item }) {
  const failed = item.status === "failed";
  return html`<article class=${"message pending " + item.status} data-testid="message" data-pending=${item.status}
      aria-label=${item.status === "pending" ? t("messages.pending") : t("messages.failed")}>
    <div class="avatar" aria-hidden="true">…</div>
    <div class="message-main">
      <header class="message-head"><span class="author">${displayName(state.me?.id)}</span>
        <span class="status">${failed ? problemText(item.error) : item.status === "waiting" ? t("messages.failed") : t("messages.pending")}</span>
      </header>
      <p class="body plain">${item.text}</p>
      ${item.status !== "pending" && html`<div class="pending-actions">
        <button type="button" onClick=${() => retry(item.id)}>${t("messages.retry")}</button>
        <button type="button" onClick=${() => discard(item.id)}>${t("messages.discard")}</button>
      </div>`}
    </div>
  </article>`;
}
