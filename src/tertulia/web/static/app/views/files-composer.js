// Attaching files in the composer: a button, a drop anywhere on the channel (or on the thread
// pane, for its composer), or a paste. Each file uploads at once (tus past a few MB, resuming
// after a dropped connection) and shows as a chip with its progress and a remove button; the
// message waits for its uploads and carries their ids.
import { html, useState, useEffect, useRef } from "../lib/html.js";
import { state, subscribe } from "../lib/store.js";
import { t, size, problemText } from "../lib/i18n.js";
import { del } from "../lib/api.js";
import { trackBlob } from "../lib/session.js";
import { Upload } from "../lib/uploads.js";
import { registerComposerAddon } from "./composer.js";
import { ICONS } from "./files-media.js";

const trays = new WeakMap(); // composer textarea -> its tray (for onKey, which gets the box)
const running = new Set(); // uploads under way, stopped at logout
let serial = 0;

subscribe(() => {
  if (state.phase === "ready" || !running.size) return;
  for (const upload of running) upload.cancel(); // nothing of the last person goes on
  running.clear();
});

/** Unsent drafts with attachments of composers that show another channel now (or closed), by
 * composer key: coming back finds them, as the composer finds the text it had. In the state:
 * logout ends them (and `running` their uploads). */
function kept() {
  if (!state.fileDrafts) state.fileDrafts = new Map();
  return state.fileDrafts;
}

/** Recount what the composer reads: the ids ready to send, and whether to wait. */
function sync(draft) {
  const items = draft.attachments || [];
  draft.fileIds = items.filter((a) => a.upload.state === "done").map((a) => a.upload.fileId);
  // a failed upload holds the message too, until it is retried or removed: never sent without it
  draft.uploading = items.filter((a) => a.upload.state !== "done").length;
}

const composerKey = (box) => box.current?.form?.dataset.composer ?? null;

/**
 * Keep `draft.current` the draft that holds this composer's attachments. The composer starts
 * a fresh draft when it sends or shows another channel, in an effect whose order against ours
 * is not fixed: so this looks at where things stand, whenever it runs. A draft left unsent
 * is kept under its composer's key (or taken back, when the composer replaced it without
 * changing channel), and the draft kept for the channel now shown is brought back.
 */
function settle(draft, key, shown) {
  if (shown && shown !== draft.current && !shown.sent && shown.attachments?.length) {
    shown.sendWhenDone = false;
    if (shown.key === key && !draft.current.attachments?.length) draft.current = shown;
    else if (shown.key !== key) kept().set(shown.key, shown);
  }
  if (!draft.current.attachments?.length && kept().has(key)) {
    draft.current = kept().get(key); // the composer sends from draft.current: these files
    kept().delete(key);
  }
  return draft.current;
}

function discard(item) {
  item.upload.cancel();
  if (item.upload.fileId) del(`/files/${item.upload.fileId}`).catch(() => {});
  if (item.preview) URL.revokeObjectURL(item.preview);
}

function Attachments({ channelId, draft, box }) {
  const [, bump] = useState(0);
  const redraw = () => bump((n) => n + 1);
  const input = useRef(null);
  const seen = useRef(null); // the draft whose chips were last shown
  const [note, setNote] = useState(null); // "wait" | "failed" | null
  const current = draft.current; // the chips this render shows
  const items = current.attachments || [];
  const drawn = useRef(null);
  drawn.current = current;

  const finished = (d) => {
    sync(d);
    redraw();
    if (d !== draft.current || !d.sendWhenDone || d.uploading) return;
    d.sendWhenDone = false;
    setNote(null);
    box.current?.form?.requestSubmit(); // the composer sends, with the ids
  };

  const run = (d, item) => {
    running.add(item.upload);
    item.upload.start().finally(() => running.delete(item.upload)).then(
      () => finished(d),
      () => {
        if (d.sendWhenDone && item.upload.state === "failed") setNote("failed");
        finished(d);
      },
    );
  };

  const check = () => {
    const shown = settle(draft, composerKey(box), seen.current);
    if (shown !== seen.current) {
      seen.current = shown;
      setNote(null);
    }
    if (shown !== drawn.current) redraw();
  };

  const attach = (files) => {
    check();
    const d = draft.current;
    d.key = composerKey(box);
    const workspaceId = state.channels.get(channelId)?.workspace_id || state.workspaceId;
    const added = [...files].map((file) => {
      const item = { key: ++serial, file, upload: new Upload(file, workspaceId, () => (sync(d), redraw())) };
      if (file.type.startsWith("image/") && file.size < 20 * 1024 * 1024) item.preview = trackBlob(URL.createObjectURL(file));
      return item;
    });
    if (!added.length) return;
    d.attachments = [...(d.attachments || []), ...added];
    sync(d);
    redraw();
    for (const item of added) run(d, item);
  };

  const remove = (item) => {
    check();
    const d = draft.current;
    discard(item);
    d.attachments = (d.attachments || []).filter((a) => a !== item);
    sync(d);
    redraw();
    if (!d.attachments.some((a) => a.upload.state === "failed")) setNote(d.sendWhenDone ? "wait" : null);
    finished(d);
    box.current?.focus();
  };

  const retry = (item) => {
    check();
    setNote(draft.current.sendWhenDone ? "wait" : null);
    run(draft.current, item);
  };

  // the person asked to send while uploads are under way: send once they are done
  const sendLater = () => {
    check();
    const d = draft.current;
    if ((d.attachments || []).some((a) => a.upload.state === "failed")) {
      setNote("failed");
      return;
    }
    d.sendWhenDone = true;
    setNote("wait");
  };

  const actions = useRef(null); // this render's functions, for the listeners set up once
  actions.current = { attach, sendLater, check };

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const busy = () => (actions.current.check(), draft.current.uploading > 0); // right before a send
    trays.set(el, { busy, sendLater: () => actions.current.sendLater() });
    const paste = (event) => {
      const files = [...(event.clipboardData?.files || [])];
      if (!files.length) return;
      if (!event.clipboardData.getData("text/plain")) event.preventDefault(); // an image, not its name
      actions.current.attach(files);
    };
    const submit = () => busy() && actions.current.sendLater(); // the send button, before the composer
    const form = el.form;
    el.addEventListener("paste", paste);
    form?.addEventListener("submit", submit, true);
    return () => {
      el.removeEventListener("paste", paste);
      form?.removeEventListener("submit", submit, true);
    };
  }, []);

  // dropping files anywhere on the channel (or the thread pane) attaches them here
  useEffect(() => {
    const area = box.current?.closest(".pane, .channel");
    if (!area) return undefined;
    const carriesFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
    const over = (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      area.classList.add("files-dropping");
      area.dataset.filesDrop = t("files.drop");
    };
    const leave = (event) => {
      if (!area.contains(event.relatedTarget)) area.classList.remove("files-dropping");
    };
    const drop = (event) => {
      area.classList.remove("files-dropping");
      if (!event.dataTransfer?.files?.length) return;
      event.preventDefault();
      actions.current.attach(event.dataTransfer.files);
      box.current?.focus();
    };
    area.addEventListener("dragover", over);
    area.addEventListener("dragleave", leave);
    area.addEventListener("drop", drop);
    return () => {
      area.removeEventListener("dragover", over);
      area.removeEventListener("dragleave", leave);
      area.removeEventListener("drop", drop);
      area.classList.remove("files-dropping");
    };
  }, [channelId]);

  // after every render, and once the effects of this one (the composer's too) have run
  useEffect(() => {
    check();
    queueMicrotask(() => actions.current.check());
  });
  useEffect(
    () => () => {
      const shown = seen.current; // the composer closes (a thread pane): kept for its return
      if (shown && !shown.sent && shown.attachments?.length) {
        shown.sendWhenDone = false;
        kept().set(shown.key, shown);
      }
    },
    [],
  );

  return html`<div class="files-composer">
    <input type="file" multiple hidden ref=${input} onChange=${(e) => (attach(e.target.files), (e.target.value = ""))} />
    <button type="button" class="icon files-attach" onClick=${() => input.current.click()} disabled=${!channelId}
      aria-label=${t("files.attach")} title=${t("files.attach")}>📎</button>
    ${items.length > 0 && html`<ul class="files-tray" aria-label=${t("files.attachments")}>
      ${items.map((item) => html`<${Chip} key=${item.key} item=${item} remove=${() => remove(item)} retry=${() => retry(item)} />`)}
    </ul>`}
    <p class="files-wait" role="status">${note === "wait" ? t("files.send_when_done") : note === "failed" ? t("files.fix_failed") : ""}</p>
  </div>`;
}

function Chip({ item, remove, retry }) {
  const { file, upload } = item;
  const percent = file.size ? Math.min(100, Math.floor((100 * upload.sent) / file.size)) : 100;
  const kind = file.type.startsWith("image/") ? "image" : file.type === "application/pdf" ? "pdf" : "other";
  const status =
    upload.state === "failed"
      ? t("files.state.failed", { reason: problemText(upload.error) })
      : t("files.state." + upload.state, { percent });
  return html`<li class=${"files-chip " + upload.state} data-testid="attachment">
    ${item.preview
      ? html`<img class="files-chip-preview" src=${item.preview} alt="" />`
      : html`<span class="files-chip-icon" aria-hidden="true">${ICONS[kind]}</span>`}
    <span class="files-chip-about">
      <span class="files-name" title=${file.name}>${file.name}</span>
      <span class="files-meta">${size(file.size)} · <span class="files-chip-status">${status}</span></span>
      ${upload.state !== "done" && upload.state !== "failed" && html`<progress max="100" value=${percent}
        aria-label=${t("files.progress", { name: file.name })}>${percent}%</progress>`}
    </span>
    ${upload.state === "failed" && html`<button type="button" class="link" onClick=${retry}
      aria-label=${t("files.retry", { name: file.name })}>${t("files.retry_short")}</button>`}
    <button type="button" class="icon" onClick=${remove} aria-label=${t("files.remove", { name: file.name })}
      title=${t("files.remove", { name: file.name })}>✕</button>
  </li>`;
}

registerComposerAddon({
  name: "files",
  view: Attachments,
  onKey(event, textarea) {
    const tray = trays.get(textarea);
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || !tray?.busy()) return false;
    if (textarea.hasAttribute("aria-controls")) return false; // a suggestion list is open: its Enter
    event.preventDefault();
    tray.sendLater();
    return true;
  },
  sent(draft) {
    draft.sent = true; // its files went with the message: nothing to clean up
    for (const item of draft.attachments || []) if (item.preview) URL.revokeObjectURL(item.preview);
  },
});
