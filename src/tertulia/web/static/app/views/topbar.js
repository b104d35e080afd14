// The top bar: the workspace, the search box, the inbox, and the person's menu (theme,
// language, log out). On a phone-width screen it also opens the sidebar.
import { html, useState } from "../lib/html.js";
import { state, changed, displayName } from "../lib/store.js";
import { t, lang, setLanguage } from "../lib/i18n.js";
import { theme, setTheme } from "../lib/theme.js";
import { logOut, switchWorkspace } from "../lib/session.js";

const slots = { search: null, inbox: null }; // filled by the search and inbox views

export function fillTopBar(name, view) {
  slots[name] = view;
}

export function TopBar() {
  const [menu, setMenu] = useState(false);
  const toggleSidebar = () => {
    state.sidebarOpen = !state.sidebarOpen;
    changed();
  };
  return html`<header class="topbar" role="banner">
    <button type="button" class="icon menu-toggle" onClick=${toggleSidebar}
      aria-label=${t("sidebar.label")} aria-expanded=${state.sidebarOpen ? "true" : "false"}>☰</button>
    ${state.workspaces.length > 0 && html`<label class="workspace-switch">
      <span class="visually-hidden">${t("workspace.switch")}</span>
      <select value=${state.workspaceId || ""} onChange=${(e) => switchWorkspace(e.target.value)}>
        ${state.workspaces.map((w) => html`<option value=${w.id}>${w.name}</option>`)}
      </select>
    </label>`}
    <div class="topbar-search">${slots.search && html`<${slots.search} />`}</div>
    ${slots.inbox && html`<${slots.inbox} />`}
    <div class="account">
      <button type="button" class="account-button" aria-haspopup="true" aria-expanded=${menu ? "true" : "false"}
        aria-label=${t("menu.account") + ": " + (state.me ? displayName(state.me.id) : "")}
        onClick=${() => setMenu(!menu)}>${state.me ? displayName(state.me.id) : ""}</button>
      ${menu && html`<div class="menu" role="group" aria-label=${t("menu.account")}
          onKeyDown=${(e) => e.key === "Escape" && (e.stopPropagation(), setMenu(false))}>
        <label>${t("menu.theme")}
          <select value=${theme()} onChange=${(e) => setTheme(e.target.value)}>
            <option value="system">${t("menu.theme.system")}</option>
            <option value="light">${t("menu.theme.light")}</option>
            <option value="dark">${t("menu.theme.dark")}</option>
          </select>
        </label>
        <label>${t("menu.language")}
          <select value=${lang()} onChange=${(e) => setLanguage(e.target.value)}>
            <option value="en">English</option>
            <option value="es">Español</option>
          </select>
        </label>
        <button type="button" onClick=${logOut}>${t("auth.logout")}</button>
      </div>`}
    </div>
  </header>`;
}
