// Light, dark or the system's: a preference of this device, kept across sessions.
import { changed } from "./store.js";

const KEY = "tertulia.theme";

export function theme() {
  return localStorage.getItem(KEY) || "system";
}

export function setTheme(value) {
  if (value === "system") localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, value);
  applyTheme();
  changed();
}

export function applyTheme() {
  const value = theme();
  if (value === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = value;
}
