// Tertulia's web client: plain ES modules on Preact + htm (vendor/), no build step.
import { html, render } from "./lib/html.js";
import { App } from "./views/app.js";
import "./views/features.js";
import { start } from "./lib/session.js";
import { applyTheme } from "./lib/theme.js";

applyTheme();
render(html`<${App} />`, document.getElementById("app"));
start();
