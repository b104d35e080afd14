// The side pane: a thread, search results, the inbox, a channel's members or pins. Each kind
// registers its view here; Esc or the close button shuts the pane.
import { html, useEffect, useRef } from "../lib/html.js";
import { state, changed } from "../lib/store.js";
import { t } from "../lib/i18n.js";

const kinds = new Map();

/** A kind of pane: `view` gets the pane's state; `title(pane)` names it. */
export function registerPane(kind, view, title) {
  kinds.set(kind, { view, title });
}

export function openPane(pane) {
  state.pane = pane;
  changed();
}

export function closePane() {
  if (!state.pane) return false;
  const opener = state.pane.opener;
  state.pane = null;
  changed();
  opener?.focus?.();
  return true;
}

export function Pane({ pane }) {
  const kind = kinds.get(pane.kind);
  const heading = useRef(null);
  useEffect(() => heading.current?.focus(), [pane.kind, pane.rootId, pane.query]);
  if (!kind) return null;
  const title = kind.title(pane);
  return html`<aside class="pane" aria-labelledby="pane-title">
    <header class="pane-head">
      <h2 id="pane-title" tabindex="-1" ref=${heading}>${title}</h2>
      <button type="button" class="icon" onClick=${closePane} aria-label=${t("pane.close")} title=${t("pane.close")}>✕</button>
    </header>
    <div class="pane-body"><${kind.view} pane=${pane} /></div>
  </aside>`;
}
