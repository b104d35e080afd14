// The lightbox: a message's images, one at a time, large, in a modal <dialog>. Left and Right
// (or the buttons) move between them, Esc or the close button shuts it and focus goes back to
// the thumbnail that opened it; a button downloads the image.
import { html, render, useState, useEffect, useRef } from "../lib/html.js";
import { state, subscribe, notice } from "../lib/store.js";
import { t, size, problemText } from "../lib/i18n.js";
import { fit, thumbnailFor, useBlob, useBox, Placeholder, downloadFile } from "./files-media.js";

let host = null; // the lightbox's own root, outside the app's tree (a dialog sits on top anyway)

/** Show `images` (FileOut, all ready) from `index`; `opener` gets focus back on close. */
export function openLightbox(images, index, opener) {
  if (!images.length) return;
  if (!host) {
    host = document.createElement("div");
    host.className = "files-lightbox-host";
    document.body.append(host);
  }
  const close = () => {
    render(null, host);
    if (opener?.isConnected) opener.focus();
  };
  render(null, host); // another one open: replaced
  render(html`<${Lightbox} images=${images} start=${Math.max(0, index)} close=${close} />`, host);
}

function Lightbox({ images, start, close }) {
  const [index, setIndex] = useState(start);
  const dialog = useRef(null);
  const closer = useRef(null);
  const file = images[index];
  const many = images.length > 1;
  const move = (step) => setIndex((i) => (i + step + images.length) % images.length);

  useEffect(() => {
    const el = dialog.current;
    el.showModal();
    closer.current?.focus();
    // logout (or a revoked session) takes the person's images off the screen at once
    const stop = subscribe(() => state.phase !== "ready" && close());
    return () => {
      stop();
      if (el.open) el.close();
    };
  }, []);

  const onKey = (event) => {
    const keys = { ArrowLeft: -1, ArrowRight: 1 };
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation(); // the app's Esc (close the pane) is not for this one
      close();
    } else if (event.key in keys && many && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      event.stopPropagation();
      move(keys[event.key]);
    }
  };
  const download = () => downloadFile(file).catch((error) => notice(problemText(error), "error"));

  return html`<dialog class="files-lightbox" ref=${dialog} aria-labelledby="files-lightbox-title" aria-describedby="files-lightbox-meta"
      onKeyDown=${onKey} onCancel=${(e) => (e.preventDefault(), close())}
      onClick=${(e) => outside(e) && close()}>
    <header class="files-lightbox-head">
      <h2 id="files-lightbox-title" class="files-lightbox-title">${file.name}</h2>
      <p id="files-lightbox-meta" class="files-lightbox-meta" aria-live="polite">
        ${many && t("files.position", { n: index + 1, total: images.length }) + " · "}${size(file.size)}
      </p>
      <button type="button" onClick=${download}><span aria-hidden="true">⬇</span> ${t("files.download_short")}</button>
      <button type="button" class="icon" ref=${closer} onClick=${close} aria-label=${t("files.close")} title=${t("files.close")}>✕</button>
    </header>
    <div class="files-lightbox-stage">
      ${many && html`<button type="button" class="icon files-lightbox-move" onClick=${() => move(-1)}
        aria-label=${t("files.previous")} title=${t("files.previous")}>‹</button>`}
      <${Large} key=${file.id} file=${file} />
      ${many && html`<button type="button" class="icon files-lightbox-move" onClick=${() => move(1)}
        aria-label=${t("files.next")} title=${t("files.next")}>›</button>`}
    </div>
  </dialog>`;
}

/** A click on the backdrop (the dialog's own box takes clicks on its padding too). */
function outside(event) {
  if (event.target !== event.currentTarget) return false;
  const r = event.currentTarget.getBoundingClientRect();
  return event.clientX < r.left || event.clientX > r.right || event.clientY < r.top || event.clientY > r.bottom;
}

/** The image as large as the window allows: the largest thumbnail (the original if animated). */
function Large({ file }) {
  const frame = useRef(null);
  const box = fit(file, Math.max(200, innerWidth * 0.86 - 96), Math.max(150, innerHeight * 0.8 - 96));
  const px = thumbnailFor(file, Math.max(box.width, box.height) * (devicePixelRatio || 1));
  const [url, failed] = useBlob(file.animated || !px ? `/files/${file.id}/content` : `/files/${file.id}/thumbnails/${px}`);
  const [shown, setShown] = useState(false);
  useBox(frame, box);
  return html`<figure class="files-lightbox-figure" ref=${frame} aria-busy=${url ? "false" : "true"}>
    ${file.placeholder && html`<${Placeholder} hash=${file.placeholder} width=${box.width} height=${box.height} />`}
    ${url && html`<img src=${url} alt=${t("files.image", { name: file.name })} width=${box.width} height=${box.height}
      class=${shown ? "shown" : ""} onLoad=${() => setShown(true)} />`}
    ${failed && html`<figcaption class="files-note">${t("files.unavailable")}</figcaption>`}
  </figure>`;
}
