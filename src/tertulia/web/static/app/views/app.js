// The frame of the app: who is here decides the screen; a signed-in person gets the top bar,
// the sidebar, the channel and a side pane.
import { html, useEffect } from "../lib/html.js";
import { useStore, state } from "../lib/store.js";
import { t } from "../lib/i18n.js";
import { AuthScreen, InviteScreen } from "./auth.js";
import { Sidebar } from "./sidebar.js";
import { ChannelView } from "./channel.js";
import { TopBar } from "./topbar.js";
import { Pane } from "./pane.js";
import { NoWorkspace } from "./workspace.js";
import { shortcuts } from "./keys.js";

export function App() {
  const s = useStore();
  useEffect(() => shortcuts(), []);
  if (s.phase === "starting" || s.phase === "booting") {
    return html`<p class="loading" role="status">${t("app.loading")}</p><${Notice} />`;
  }
  if (s.route.view === "invite") return html`<${InviteScreen} token=${s.route.token} /><${Notice} />`;
  if (s.phase === "anonymous") return html`<${AuthScreen} /><${Notice} />`;
  if (!s.workspaceId) return html`<${TopBar} /><${NoWorkspace} /><${Notice} />`;
  return html`
    <a class="skip" href="#composer">${t("app.skip")}</a>
    <div class=${"shell" + (s.pane ? " with-pane" : "") + (s.sidebarOpen ? " sidebar-open" : "")}
      data-connection=${s.connection}>
      <${TopBar} />
      <${Sidebar} />
      <${ChannelView} channelId=${s.route.channelId} messageId=${s.route.messageId} />
      ${s.pane && html`<${Pane} pane=${s.pane} />`}
    </div>
    <${ConnectionBanner} connection=${s.connection} />
    <${Notice} />
  `;
}

function ConnectionBanner({ connection }) {
  if (connection !== "offline") return null;
  return html`<div class="banner" role="status">${t("connection.offline")}</div>`;
}

function Notice() {
  const notice = state.notice;
  return html`<div class="notice-region" role="status" aria-live="polite">
    ${notice && html`<p class=${"notice " + notice.kind}>${notice.text}</p>`}
  </div>`;
}
