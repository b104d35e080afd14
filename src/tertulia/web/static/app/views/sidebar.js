// The sidebar: the person's channels, then their direct messages, each with its unread and
// mention counts kept live by the socket; links, so a middle click opens a new tab.
import { html } from "../lib/html.js";
import { state, changed, channelTitle } from "../lib/store.js";
import { t } from "../lib/i18n.js";
import { href, follow } from "../lib/router.js";
import { openPane } from "./pane.js";

const isDm = (ch) => ch.kind === "dm" || ch.kind === "group_dm";

function sections() {
  const mine = [...state.channels.values()].filter((ch) => ch.is_member !== false && !ch.archived_at);
  const channels = mine.filter((ch) => !isDm(ch)).sort((a, b) => a.name.localeCompare(b.name));
  const dms = mine
    .filter(isDm)
    .sort((a, b) => (b.latest_seq || 0) - (a.latest_seq || 0) || channelTitle(a).localeCompare(channelTitle(b)));
  return { channels, dms };
}

/** The channel ids in the order the sidebar shows them (Alt+Up/Down walks it). */
export function sidebarOrder() {
  const { channels, dms } = sections();
  return [...channels, ...dms].map((ch) => ch.id);
}

export function Sidebar() {
  const { channels, dms } = sections();
  const open = (kind, event) => openPane({ kind, opener: event.currentTarget });
  return html`<nav class="sidebar" aria-label=${t("sidebar.label")}>
    <h2 class="sidebar-title">${t("sidebar.channels")}</h2>
    <ul class="channel-list">${channels.map((ch) => html`<${Item} key=${ch.id} ch=${ch} />`)}</ul>
    <div class="sidebar-actions">
      <button type="button" class="link" onClick=${(e) => open("browse", e)}>${t("sidebar.browse")}</button>
      <button type="button" class="link" onClick=${(e) => open("new-channel", e)}>${t("sidebar.new_channel")}</button>
    </div>
    <h2 class="sidebar-title">${t("sidebar.dms")}</h2>
    <ul class="channel-list">${dms.map((ch) => html`<${Item} key=${ch.id} ch=${ch} />`)}</ul>
    <div class="sidebar-actions">
      <button type="button" class="link" onClick=${(e) => open("new-dm", e)}>${t("sidebar.new_dm")}</button>
    </div>
  </nav>`;
}

function Item({ ch }) {
  const route = { view: "channel", workspaceId: state.workspaceId, channelId: ch.id };
  const current = state.route.channelId === ch.id;
  const unread = !ch.muted && (ch.unread_messages || 0) > 0;
  const mentions = ch.mentions || 0;
  const dm = isDm(ch);
  const other = dm ? (ch.user_ids || []).find((id) => id !== state.me?.id) : null;
  const presence = dm && ch.kind === "dm" ? state.presence.get(other || state.me?.id) || "offline" : null;
  const label = [
    channelTitle(ch),
    unread ? t("sidebar.unread", { n: ch.unread_messages }) : "",
    mentions ? t("sidebar.mentions", { n: mentions }) : "",
    presence ? t("presence." + presence) : "",
    ch.muted ? t("sidebar.muted") : "",
  ].filter(Boolean).join(", ");
  const go = (event) => {
    state.sidebarOpen = false;
    changed();
    follow(event, route);
  };
  return html`<li>
    <a href=${href(route)} onClick=${go} aria-current=${current ? "page" : undefined} aria-label=${label}
       class=${"channel-link" + (unread ? " unread" : "") + (ch.muted ? " muted" : "")} data-channel-id=${ch.id}>
      ${presence ? html`<span class=${"presence " + presence} aria-hidden="true"></span>` : html`<span class="sigil" aria-hidden="true">${ch.kind === "private" ? "🔒" : "#"}</span>`}
      <span class="name">${channelTitle(ch)}</span>
      ${mentions > 0 && html`<span class="badge" aria-hidden="true" data-count=${mentions}></span>`}
    </a>
  </li>`;
}
