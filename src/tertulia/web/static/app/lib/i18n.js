// Spanish and English: the browser's language by default, switchable, remembered on this
// device (a preference, not personal data: it outlives logout). Every string a person reads
// goes through t(); `{name}` placeholders are filled as text, never as HTML.
import { changed } from "./store.js";
import { en, es } from "./strings.js";

const LANGUAGES = { en, es };
const KEY = "tertulia.language";

let language = pick();

function pick() {
  const saved = localStorage.getItem(KEY);
  if (saved in LANGUAGES) return saved;
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    const base = tag.toLowerCase().split("-")[0];
    if (base in LANGUAGES) return base;
  }
  return "en";
}

/** A feature's own strings (`{ en: {...}, es: {...} }`), kept in its module. */
export function addStrings(strings) {
  for (const [code, entries] of Object.entries(strings)) Object.assign(LANGUAGES[code], entries);
}

export function lang() {
  return language;
}

export function setLanguage(next) {
  if (!(next in LANGUAGES)) return;
  language = next;
  localStorage.setItem(KEY, next);
  document.documentElement.lang = next;
  changed();
}

document.documentElement.lang = language;

export function t(key, vars) {
  let text = LANGUAGES[language][key] ?? en[key] ?? key;
  if (typeof text === "function") text = text(vars || {});
  if (vars) text = text.replace(/\{(\w+)\}/g, (all, name) => (name in vars ? String(vars[name]) : all));
  return text;
}

/** A problem from the server, for people: our words for codes we know, else its detail. */
export function problemText(error) {
  if (!error) return "";
  if (error.code && (LANGUAGES[language]["problem." + error.code] || en["problem." + error.code])) {
    return t("problem." + error.code, { seconds: error.retryAfter ?? "" });
  }
  if (error.constructor?.name === "NetworkError") return t("problem.network");
  return error.message || t("problem.unknown");
}

const formats = new Map();
function format(kind, options) {
  const key = language + kind;
  if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat(language, options));
  return formats.get(key);
}

export const time = (date) => format("time", { hour: "numeric", minute: "2-digit" }).format(date);
export const day = (date) => format("day", { weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(date);
export const when = (date) => format("when", { dateStyle: "medium", timeStyle: "short" }).format(date);

export function dayLabel(date) {
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (date.toDateString() === today.toDateString()) return t("day.today");
  if (date.toDateString() === yesterday.toDateString()) return t("day.yesterday");
  return day(date);
}

export function size(bytes) {
  const units = ["B", "KB", "MB", "GB"];
  let n = bytes;
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${new Intl.NumberFormat(language, { maximumFractionDigits: unit ? 1 : 0 }).format(n)} ${units[unit]}`;
}
