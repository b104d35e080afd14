// Keyboard shortcuts of the whole app: Esc closes the pane, Alt+Up/Down moves between
// channels, Ctrl/Cmd+K opens the quick switcher (views register what they handle here).
import { state } from "../lib/store.js";
import { closePane } from "./pane.js";
import { go } from "../lib/router.js";
import { sidebarOrder } from "./sidebar.js";

const bindings = new Map(); // "mod+k" -> handler

export function bind(combo, handler) {
  bindings.set(combo, handler);
  return () => bindings.delete(combo);
}

function comboOf(event) {
  const parts = [];
  if (event.ctrlKey || event.metaKey) parts.push("mod");
  if (event.altKey) parts.push("alt");
  if (event.shiftKey) parts.push("shift");
  parts.push(event.key.length === 1 ? event.key.toLowerCase() : event.key);
  return parts.join("+");
}

function onKey(event) {
  const combo = comboOf(event);
  const handler = bindings.get(combo);
  if (handler && handler(event) !== false) {
    event.preventDefault();
    return;
  }
  if (combo === "Escape" && !event.defaultPrevented && closePane()) event.preventDefault();
  if (combo === "alt+ArrowUp" || combo === "alt+ArrowDown") {
    const order = sidebarOrder();
    const at = order.indexOf(state.route.channelId);
    const next = order[(at + (combo === "alt+ArrowUp" ? -1 : 1) + order.length) % order.length];
    if (next) {
      event.preventDefault();
      go({ view: "channel", workspaceId: state.workspaceId, channelId: next });
    }
  }
}

export function shortcuts() {
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
