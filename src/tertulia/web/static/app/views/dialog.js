// A modal question with the browser's <dialog>: focus is trapped and Esc cancels.
import { t } from "../lib/i18n.js";

export function confirmDialog(text, confirmLabel, cancelLabel) {
  return new Promise((resolve) => {
    const dialog = document.createElement("dialog");
    dialog.className = "confirm";
    const p = document.createElement("p");
    p.textContent = text;
    const actions = document.createElement("div");
    actions.className = "dialog-actions";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.textContent = cancelLabel || t("messages.cancel");
    const ok = document.createElement("button");
    ok.type = "button";
    ok.className = "danger";
    ok.textContent = confirmLabel;
    actions.append(cancel, ok);
    dialog.append(p, actions);
    dialog.setAttribute("aria-label", text);
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    cancel.addEventListener("click", () => finish(false));
    ok.addEventListener("click", () => finish(true));
    dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    ok.focus();
  });
}
