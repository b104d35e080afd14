// What the file views share: the bytes of thumbnails as blob: URLs (fetched with the token,
// kept for the session, revoked at logout), the blurhash placeholder, sizes that reserve an
// image's room before it loads, and downloads that stream from the file's signed URL.
import { html, useState, useEffect, useLayoutEffect, useRef } from "../lib/html.js";
import { state } from "../lib/store.js";
import { authed, problemOf } from "../lib/uploads.js";
import { trackBlob } from "../lib/session.js";
import { paint } from "../lib/blurhash.js";

const KEEP = 300; // blob URLs kept per session; the oldest are revoked past it

export const ICONS = {
  image: "🖼️", video: "🎞️", audio: "🎵", pdf: "📕", text: "📝", svg: "🖼️", archive: "🗜️", document: "📄", other: "📎",
};

/** A file as the newest socket event told it (a message may have come before its file.ready). */
export function latest(file) {
  const known = state.fileNews?.get(file.id);
  return known ? { ...file, ...known } : file;
}

/** Whether the message shows this file as an image (else: a card, or a placeholder). */
export const isImage = (file) => file.kind === "image" && file.status === "ready" && file.thumbnails?.length > 0;

/** The size, in CSS px, an image of `file` takes to fit `maxWidth` × `maxHeight`. */
export function fit(file, maxWidth, maxHeight) {
  const width = file.width || 4;
  const height = file.height || 3;
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** The smallest thumbnail that covers `px` device pixels (else the largest there is). */
export function thumbnailFor(file, px) {
  const sizes = (file.thumbnails || []).map((t) => t.size).sort((a, b) => a - b);
  return sizes.find((s) => s >= px) ?? sizes[sizes.length - 1] ?? null;
}

function cache() {
  // in the state, which logout replaces; the URLs themselves are revoked by lib/session.js
  if (!state.fileBlobs) state.fileBlobs = new Map();
  return state.fileBlobs;
}

/** A blob: URL of the bytes at `path` (the API follows its redirect to the signed URL). */
export function blobOf(path) {
  const known = cache();
  if (known.has(path)) {
    const entry = known.get(path);
    known.delete(path); // most recently used last
    known.set(path, entry);
    return entry;
  }
  const entry = (async () => {
    const response = await authed(path);
    if (!response.ok) throw await problemOf(response);
    const blob = await response.blob();
    if (state.phase !== "ready") throw new Error("logged out"); // nothing of theirs is kept
    return trackBlob(URL.createObjectURL(blob));
  })();
  entry.catch(() => known.get(path) === entry && known.delete(path)); // a later view tries again
  known.set(path, entry);
  while (known.size > KEEP) {
    const [oldest, url] = known.entries().next().value;
    known.delete(oldest);
    url.then((u) => URL.revokeObjectURL(u), () => {});
  }
  return entry;
}

/** `[url, failed]` of the bytes at `path` (null: not asked). */
export function useBlob(path) {
  const [loaded, setLoaded] = useState({ path: null, url: null, failed: false });
  useEffect(() => {
    if (!path) return undefined;
    let live = true;
    blobOf(path).then(
      (url) => live && setLoaded({ path, url, failed: false }),
      () => live && setLoaded({ path, url: null, failed: true }),
    );
    return () => {
      live = false;
    };
  }, [path]);
  return loaded.path === path ? [loaded.url, loaded.failed] : [null, false];
}

/** The blurhash, painted into a small canvas the CSS stretches under the image. */
export function Placeholder({ hash, width, height }) {
  const canvas = useRef(null);
  const across = 32;
  const down = Math.max(1, Math.min(64, Math.round((across * height) / width)));
  useEffect(() => {
    try {
      paint(canvas.current, hash);
    } catch {
      // a hash we cannot read: the plain background shows instead
    }
  }, [hash, down]);
  return html`<canvas class="files-blur" width=${across} height=${down} ref=${canvas} aria-hidden="true"></canvas>`;
}

/** Give `ref`'s element the room of `box` before anything paints (from code: the CSP allows
 * element.style, not style attributes); CSS keeps it within its column. */
export function useBox(ref, box) {
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.width = box.width + "px";
    el.style.aspectRatio = `${box.width} / ${box.height}`;
  }, [box.width, box.height]);
}

/**
 * Download a file without holding it in memory: ask for one byte of it with the token,
 * which follows the API's redirect to the short-lived signed URL, then let the browser go
 * there itself (the signed URL needs no token and says `attachment`), streaming to disk.
 */
export async function downloadFile(file) {
  const response = await authed(`/files/${file.id}/content`, { headers: { Range: "bytes=0-0" } });
  if (!response.ok) throw await problemOf(response);
  response.body?.cancel().catch(() => {});
  const link = document.createElement("a");
  link.href = response.url;
  link.download = file.name;
  link.rel = "noopener";
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}
