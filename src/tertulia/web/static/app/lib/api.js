// The REST API, as any client would use it: the access token lives in this module's memory
// only; the refresh token is an HttpOnly cookie the browser sends to /api/v1/auth alone, with
// a CSRF header echoing the readable cookie the server set beside it.

export const API = "/api/v1";
const CSRF_COOKIE = "tertulia_csrf";
const CSRF_HEADER = "X-Tertulia-CSRF";

/** An answer of the server that is not a success: its problem+json, read. */
export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code || "http.error";
    this.problem = problem || {};
    this.retryAfter = retryAfter;
  }
}

/** The server could not be reached at all (offline, restarting): worth retrying. */
export class NetworkError extends Error {}

let access = null; // { token, expiresAt (ms) }
let refreshing = null;
let refreshTimer = 0;
const sessionListeners = new Set();

/** Called with the new session (tokens answer) or null when the session ends. */
export function onSession(listener) {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return "";
}

function adopt(tokens) {
  access = { token: tokens.access_token, expiresAt: Date.parse(tokens.expires_at) };
  clearTimeout(refreshTimer);
  // refresh a minute before expiry (or halfway, for very short tokens), never in a tight loop
  const left = access.expiresAt - Date.now();
  refreshTimer = setTimeout(() => refresh().catch(() => {}), Math.max(5_000, Math.min(left - 60_000, left / 2)));
  for (const listener of sessionListeners) listener(tokens);
}

export function accessToken() {
  return access?.token || null;
}

export function forget() {
  access = null;
  clearTimeout(refreshTimer);
  for (const listener of sessionListeners) listener(null);
}

async function send(method, path, { body, query, headers = {}, signal, auth = true } = {}) {
  let url = path.startsWith("/") && !path.startsWith(API) ? API + path : path;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null) params.set(key, value);
    const text = params.toString();
    if (text) url += "?" + text;
  }
  const init = { method, headers: { ...headers }, signal, credentials: "same-origin" };
  if (body !== undefined && !(body instanceof Blob) && !(body instanceof FormData)) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  } else if (body !== undefined) {
    init.body = body;
  }
  if (auth && access) init.headers.Authorization = "Bearer " + access.token;
  try {
    return await fetch(url, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new NetworkError(error.message);
  }
}

async function read(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    const retry = Number(response.headers.get("retry-after")) || undefined;
    throw new ApiError(response.status, data, retry);
  }
  return data;
}

/** A JSON call; an expired access token is refreshed once, transparently. */
export async function call(method, path, options = {}) {
  let response = await send(method, path, options);
  if (response.status === 401 && options.auth !== false && access) {
    if (await refresh().then(() => true, () => false)) response = await send(method, path, options);
  }
  if (response.status === 401 && options.auth !== false) {
    const error = await read(response).catch((e) => e);
    if (error instanceof ApiError && error.code.startsWith("auth.")) forget();
    throw error;
  }
  return read(response);
}

export const get = (path, query, options) => call("GET", path, { ...options, query });
export const post = (path, body, options) => call("POST", path, { ...options, body });
export const patch = (path, body, options) => call("PATCH", path, { ...options, body });
export const put = (path, body, options) => call("PUT", path, { ...options, body });
export const del = (path, options) => call("DELETE", path, options);

export async function login(login, password) {
  const tokens = await read(await send("POST", "/auth/login", { body: { login, password, session: "cookie" }, auth: false }));
  adopt(tokens);
  return tokens;
}

/** Trade the refresh cookie for a new access token; one at a time, however many ask. */
export function refresh() {
  if (!refreshing) {
    refreshing = send("POST", "/auth/refresh", {
      body: { session: "cookie" },
      headers: { [CSRF_HEADER]: cookie(CSRF_COOKIE) },
      auth: false,
    })
      .then(read)
      .then((tokens) => {
        adopt(tokens);
        return tokens;
      })
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

/** Whether a session survives from before this page was loaded (the refresh cookie). */
export async function resume() {
  if (!cookie(CSRF_COOKIE)) return null;
  try {
    return await refresh();
  } catch (error) {
    if (error instanceof NetworkError) throw error;
    return null;
  }
}

export async function logout() {
  try {
    await send("POST", "/auth/logout", { body: {}, headers: { [CSRF_HEADER]: cookie(CSRF_COOKIE) } });
  } finally {
    forget();
  }
}

/** A file's bytes as a blob: URL (thumbnails and images need the bearer token). */
export async function blobUrl(path, signal) {
  const response = await send("GET", path, { signal });
  if (!response.ok) throw new ApiError(response.status, null);
  return URL.createObjectURL(await response.blob());
}
