// Addresses of the client: /w/{workspace}/{channel}[/{message}] and /invite/{token}; the
// server answers index.html for each, so links and reloads land where they point.
import { state, changed } from "./store.js";

export function parse(path = location.pathname) {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "invite" && parts[1]) return { view: "invite", token: parts[1] };
  if (parts[0] === "w" && parts[1]) {
    return { view: "channel", workspaceId: parts[1], channelId: parts[2] || null, messageId: parts[3] || null };
  }
  return { view: "home" };
}

export function href(route) {
  if (route.view === "invite") return `/invite/${encodeURIComponent(route.token)}`;
  if (route.view === "channel") {
    let path = `/w/${route.workspaceId}`;
    if (route.channelId) path += `/${route.channelId}`;
    if (route.messageId) path += `/${route.messageId}`;
    return path;
  }
  return "/";
}

const listeners = new Set();
export function onRoute(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Go somewhere: the address bar follows (replace for redirects, push for a person's moves). */
export function go(route, { replace = false } = {}) {
  const path = href(route);
  if (path !== location.pathname) history[replace ? "replaceState" : "pushState"](null, "", path);
  state.route = route;
  for (const listener of listeners) listener(route);
  changed();
}

addEventListener("popstate", () => {
  state.route = parse();
  for (const listener of listeners) listener(state.route);
  changed();
});

/** A link inside the app: a click navigates without a reload; a middle click opens a tab. */
export function follow(event, route) {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  go(route);
}
