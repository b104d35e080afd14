// Sending files: small ones in one multipart POST, big ones by tus (a small client of our own:
// create, then PATCH in chunks, and after a dropped connection ask with HEAD where the upload
// stands and go on from there), with progress and retries with backoff. Also `authed`, a
// fetch with the in-memory access token for the bytes of files (thumbnails, downloads).
import { API, ApiError, NetworkError, accessToken, refresh } from "./api.js";

export const TUS_THRESHOLD = 5 * 1024 * 1024; // bytes from which a file goes by tus
export const CHUNK = 4 * 1024 * 1024; // bytes of one tus PATCH
const TUS = "1.0.0";
const ATTEMPTS = 8; // failures in a row (with no byte gained) before giving up
const MAX_DELAY = 15_000;

/** fetch() with the access token; an expired token is refreshed once, transparently. */
export async function authed(path, init = {}) {
  const url = path.startsWith("/") && !path.startsWith(API) ? API + path : path;
  const attempt = () =>
    fetch(url, { ...init, credentials: "same-origin", headers: { ...init.headers, Authorization: "Bearer " + accessToken() } });
  let response;
  try {
    response = await attempt();
    if (response.status === 401 && (await refresh().then(() => true, () => false))) response = await attempt();
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new NetworkError(error.message);
  }
  return response;
}

/** The server's problem in a response, as the ApiError the rest of the client knows. */
export async function problemOf(response) {
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json().catch(() => null) : null;
  return new ApiError(response.status, body, Number(response.headers.get("retry-after")) || undefined);
}

class Cancelled extends Error {}

const retryable = (error) =>
  error instanceof NetworkError || (error instanceof ApiError && (error.status >= 500 || error.status === 429 || error.code === "upload.retry"));

/**
 * One file on its way to a workspace. `start()` resolves to the new file's id; `progress`
 * (bytes sent) and `state` ("uploading" | "waiting" for the network | "done" | "failed") are
 * told to `onChange`. `cancel()` stops it (a tus upload is terminated on the server).
 */
export class Upload {
  constructor(file, workspaceId, onChange = () => {}, { threshold = TUS_THRESHOLD } = {}) {
    this.file = file;
    this.workspaceId = workspaceId;
    this.onChange = onChange;
    this.viaTus = file.size > threshold;
    this.sent = 0;
    this.state = "uploading";
    this.error = null;
    this.fileId = null;
    this.location = null; // the tus upload's URL, once created
    this.request = null; // the XMLHttpRequest under way
    this.cancelled = false;
    this.wake = null; // ends the wait before a retry early (the network came back)
  }

  async start() {
    this.cancelled = false;
    this.set("uploading");
    let failures = 0;
    for (;;) {
      const before = this.sent;
      try {
        this.fileId = this.viaTus ? await this.tus() : await this.form();
        this.set("done");
        return this.fileId;
      } catch (error) {
        if (this.cancelled || error instanceof Cancelled) throw new Cancelled("cancelled");
        failures = this.sent > before ? 1 : failures + 1;
        if (!retryable(error) || failures >= ATTEMPTS) {
          this.error = error;
          this.set("failed");
          throw error;
        }
        this.set("waiting");
        await this.pause(error.retryAfter ? error.retryAfter * 1000 : Math.min(MAX_DELAY, 500 * 2 ** failures));
        if (this.cancelled) throw new Cancelled("cancelled");
        this.set("uploading");
      }
    }
  }

  cancel() {
    this.cancelled = true;
    this.request?.abort();
    this.wake?.();
    if (this.location && this.state !== "done") {
      authed(this.location, { method: "DELETE", headers: { "Tus-Resumable": TUS } }).catch(() => {});
    }
  }

  set(state) {
    this.state = state;
    this.onChange(this);
  }

  /** Wait `ms`, or less if the browser says it is back online. */
  pause(ms) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        removeEventListener("online", done);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, navigator.onLine === false ? Math.max(ms, MAX_DELAY) : ms);
      addEventListener("online", done);
      this.wake = done;
    });
  }

  async form() {
    const body = new FormData();
    body.append("file", this.file, this.file.name || "file");
    this.sent = 0;
    const response = await this.send("POST", `${API}/workspaces/${this.workspaceId}/files`, {}, body, 0);
    if (response.status !== 201) throw response.problem;
    this.sent = this.file.size;
    return JSON.parse(response.text).id;
  }

  async tus() {
    if (!this.location) {
      const response = await this.send("POST", `${API}/workspaces/${this.workspaceId}/uploads`, {
        "Tus-Resumable": TUS,
        "Upload-Length": String(this.file.size),
        "Upload-Metadata": "filename " + base64(this.file.name || "file"),
      });
      if (response.status !== 201) throw response.problem;
      this.location = response.header("Location");
      this.sent = 0;
    } else {
      await this.where(); // after a failure: the bytes the server kept are where we go on from
      if (this.fileId) return this.fileId;
    }
    while (this.sent < this.file.size) {
      const end = Math.min(this.file.size, this.sent + CHUNK);
      const response = await this.send(
        "PATCH",
        this.location,
        { "Tus-Resumable": TUS, "Upload-Offset": String(this.sent), "Content-Type": "application/offset+octet-stream" },
        this.file.slice(this.sent, end),
        this.sent,
      );
      if (response.status === 409 && response.problem.code === "upload.offset_mismatch") {
        await this.where();
        continue;
      }
      if (response.status !== 204) throw response.problem;
      this.sent = Number(response.header("Upload-Offset"));
      this.progress(this.sent);
      const made = response.header("Tertulia-File-Id");
      if (made) return made;
    }
    await this.where();
    if (this.fileId) return this.fileId;
    throw new ApiError(500, { code: "upload.no_file", detail: "The upload ended without a file." });
  }

  /** HEAD: how many bytes the server has (and the file, if it is complete). */
  async where() {
    const response = await this.send("HEAD", this.location, { "Tus-Resumable": TUS });
    if (response.status === 404 || response.status === 410) {
      this.location = null; // expired or gone: the next attempt starts a new one
      this.sent = 0;
      throw new ApiError(503, { code: "upload.retry", detail: "The upload expired." });
    }
    if (response.status !== 200) throw response.problem;
    this.sent = Number(response.header("Upload-Offset"));
    this.fileId = response.header("Tertulia-File-Id") || null;
    this.progress(this.sent);
  }

  progress(sent) {
    this.sent = sent;
    this.onChange(this);
  }

  /** One request by XMLHttpRequest (fetch tells no upload progress), token refreshed once. */
  async send(method, url, headers, body = null, base = null, again = true) {
    const response = await new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      this.request = request;
      request.open(method, url);
      request.setRequestHeader("Authorization", "Bearer " + accessToken());
      for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
      if (base !== null) {
        request.upload.onprogress = (event) => this.progress(base + Math.min(event.loaded, body.size ?? event.loaded));
      }
      request.onload = () => resolve(request);
      request.onerror = () => reject(new NetworkError("upload interrupted"));
      request.ontimeout = request.onerror;
      request.onabort = () => reject(new Cancelled("cancelled"));
      request.send(body);
    }).finally(() => {
      this.request = null;
    });
    if (response.status === 401 && again && (await refresh().then(() => true, () => false))) {
      return this.send(method, url, headers, body, base, false);
    }
    const answer = {
      status: response.status,
      text: response.responseText,
      header: (name) => response.getResponseHeader(name),
      problem: null,
    };
    if (response.status >= 400) {
      let data = null;
      try {
        data = JSON.parse(response.responseText);
      } catch {
        // no problem+json (a proxy's page): the status says enough
      }
      answer.problem = new ApiError(response.status, data, Number(response.getResponseHeader("Retry-After")) || undefined);
      if (retryable(answer.problem)) throw answer.problem; // the caller's loop waits and tries again
    }
    return answer;
  }
}

function base64(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export { Cancelled };
