// Files in messages: images as thumbnails over their blurhash (a lightbox shows them whole),
// other files as a card with a download button, images still being processed as a placeholder
// that the socket's file.ready or file.failed replaces. Attaching lives in files-composer.js.
import { html, useState, useEffect, useRef } from "../lib/html.js";
import { state, changed, notice } from "../lib/store.js";
import { t, size, problemText, addStrings } from "../lib/i18n.js";
import { get } from "../lib/api.js";
import { on } from "../lib/events.js";
import { registerMessagePart } from "./message.js";
import { ICONS, latest, isImage, fit, thumbnailFor, useBlob, useBox, Placeholder, downloadFile } from "./files-media.js";
import { openLightbox } from "./files-lightbox.js";
import "./files-composer.js";

addStrings({
  en: {
    "files.attach": "Attach files",
    "files.attachments": "Attachments",
    "files.remove": "Remove {name}",
    "files.progress": "Uploading {name}",
    "files.state.uploading": "Uploading… {percent}%",
    "files.state.waiting": "Connection lost: will resume…",
    "files.state.done": "Ready to send",
    "files.state.failed": "Not uploaded: {reason}",
    "files.retry": "Retry {name}",
    "files.retry_short": "Retry",
    "files.send_when_done": "Sending when the uploads finish…",
    "files.fix_failed": "A file was not uploaded: retry it or remove it to send.",
    "files.drop": "Drop files to attach them",
    "files.in_message": "Files",
    "files.download": "Download {name}",
    "files.download_short": "Download",
    "files.open_image": "View image {name}",
    "files.processing": "Processing {name}…",
    "files.image_failed": "The image could not be processed; it can be downloaded.",
    "files.unavailable": "The image could not be loaded.",
    "files.image": "Image {name}",
    "files.position": "{n} of {total}",
    "files.previous": "Previous image",
    "files.next": "Next image",
    "files.close": "Close",
    "files.kind.image": "Image", "files.kind.video": "Video", "files.kind.audio": "Audio",
    "files.kind.pdf": "PDF", "files.kind.text": "Text", "files.kind.svg": "SVG image",
    "files.kind.archive": "Archive", "files.kind.document": "Document", "files.kind.other": "File",
  },
  es: {
    "files.attach": "Adjuntar archivos",
    "files.attachments": "Adjuntos",
    "files.remove": "Quitar {name}",
    "files.progress": "Subiendo {name}",
    "files.state.uploading": "Subiendo… {percent} %",
    "files.state.waiting": "Sin conexión: se reanudará…",
    "files.state.done": "Listo para enviar",
    "files.state.failed": "No se subió: {reason}",
    "files.retry": "Reintentar {name}",
    "files.retry_short": "Reintentar",
    "files.send_when_done": "Se enviará cuando terminen las subidas…",
    "files.fix_failed": "Un archivo no se subió: reinténtalo o quítalo para enviar.",
    "files.drop": "Suelta los archivos para adjuntarlos",
    "files.in_message": "Archivos",
    "files.download": "Descargar {name}",
    "files.download_short": "Descargar",
    "files.open_image": "Ver la imagen {name}",
    "files.processing": "Procesando {name}…",
    "files.image_failed": "No se pudo procesar la imagen; se puede descargar.",
    "files.unavailable": "No se pudo cargar la imagen.",
    "files.image": "Imagen {name}",
    "files.position": "{n} de {total}",
    "files.previous": "Imagen anterior",
    "files.next": "Imagen siguiente",
    "files.close": "Cerrar",
    "files.kind.image": "Imagen", "files.kind.video": "Vídeo", "files.kind.audio": "Audio",
    "files.kind.pdf": "PDF", "files.kind.text": "Texto", "files.kind.svg": "Imagen SVG",
    "files.kind.archive": "Archivo comprimido", "files.kind.document": "Documento", "files.kind.other": "Archivo",
  },
});

const THUMB = { width: 360, height: 280 }; // the largest an image shows in a message, CSS px
const CHECK_AFTER = [15_000, 60_000]; // ask for a file still processing, should its event be lost

// the newest of each file the socket told about (a message may arrive after its file.ready)
on("file", (event) => {
  if (!state.fileNews) state.fileNews = new Map();
  state.fileNews.set(event.data.id, event.type === "file.deleted" ? { deleted: true } : event.data);
});

/** The files of a message, under its body. */
function MessageFiles({ message }) {
  const files = (message.files || []).map(latest).filter((f) => !f.deleted);
  if (!files.length) return null;
  const images = files.filter(isImage);
  const open = (file, event) => openLightbox(images, images.indexOf(file), event.currentTarget);
  return html`<ul class="files" aria-label=${t("files.in_message")}>
    ${files.map((file) => html`<li key=${file.id}>
      ${isImage(file)
        ? html`<${ImageThumb} file=${file} onOpen=${(e) => open(file, e)} />`
        : file.status === "processing"
          ? html`<${Processing} file=${file} messageId=${message.id} />`
          : html`<${FileCard} file=${file} />`}
    </li>`)}
  </ul>`;
}

/** An image in a message: its blurhash at once, in the room it will take, then its thumbnail. */
function ImageThumb({ file, onOpen }) {
  const button = useRef(null);
  const box = fit(file, THUMB.width, THUMB.height);
  const px = thumbnailFor(file, Math.max(box.width, box.height) * (devicePixelRatio || 1));
  const [url, failed] = useBlob(`/files/${file.id}/thumbnails/${px}`);
  const [shown, setShown] = useState(false);
  useBox(button, box);
  if (failed) return html`<${FileCard} file=${file} note=${t("files.unavailable")} />`;
  return html`<button type="button" class="files-thumb" ref=${button} onClick=${onOpen}
      aria-label=${t("files.open_image", { name: file.name })} data-testid="file-thumbnail" data-loaded=${shown ? "true" : "false"}>
    ${file.placeholder && html`<${Placeholder} hash=${file.placeholder} width=${box.width} height=${box.height} />`}
    ${url && html`<img src=${url} alt="" width=${box.width} height=${box.height} class=${shown ? "shown" : ""}
      onLoad=${() => setShown(true)} />`}
  </button>`;
}

/** An image the server is still making thumbnails of: replaced when file.ready comes. */
function Processing({ file, messageId }) {
  useEffect(() => {
    // the event normally replaces this; should it have been missed, ask (twice at most)
    const timers = CHECK_AFTER.map((ms) =>
      setTimeout(async () => {
        try {
          const found = await get(`/files/${file.id}`);
          const message = state.messages.get(messageId);
          if (found.status === "processing" || !message) return;
          const files = message.files.map((f) => (f.id === found.id ? found : f));
          state.messages.set(messageId, { ...message, files });
          changed();
        } catch {
          // gone, or not ours to see: the card stays as it is
        }
      }, ms),
    );
    return () => timers.forEach(clearTimeout);
  }, [file.id]);
  return html`<div class="files-processing" data-testid="file-processing">
    <span class="files-spinner" aria-hidden="true"></span>
    <span>${t("files.processing", { name: file.name })}</span>
  </div>`;
}

/** A file as a card: its kind's icon, name, size and a download button. For reuse (search). */
export function FileCard({ file, note }) {
  const [busy, setBusy] = useState(false);
  const kind = ICONS[file.kind] ? file.kind : "other";
  const download = async () => {
    setBusy(true);
    try {
      await downloadFile(file);
    } catch (error) {
      notice(problemText(error), "error");
    } finally {
      setBusy(false);
    }
  };
  const failed = file.kind === "image" && file.status === "failed";
  return html`<div class="files-card" role="group" aria-label=${file.name} data-testid="file-card">
    <span class="files-icon" aria-hidden="true">${ICONS[kind]}</span>
    <span class="files-about">
      <span class="files-name" title=${file.name}>${file.name}</span>
      <span class="files-meta">${t("files.kind." + kind)} · ${size(file.size)}</span>
      ${(note || failed) && html`<span class="files-note">${note || t("files.image_failed")}</span>`}
    </span>
    <button type="button" class="files-download" onClick=${download} disabled=${busy}
      aria-label=${t("files.download", { name: file.name })} title=${t("files.download", { name: file.name })}>
      <span aria-hidden="true">⬇</span> ${t("files.download_short")}
    </button>
  </div>`;
}

export { downloadFile };

registerMessagePart("files", MessageFiles);
