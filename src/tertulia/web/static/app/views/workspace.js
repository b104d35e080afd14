// A person in no workspace yet: create one (or open an invitation link someone sent).
import { html, useState } from "../lib/html.js";
import { t, problemText } from "../lib/i18n.js";
import { post } from "../lib/api.js";
import { boot } from "../lib/session.js";

export function NoWorkspace() {
  const [error, setError] = useState(null);
  const create = async (event) => {
    event.preventDefault();
    const name = new FormData(event.target).get("name");
    try {
      const workspace = await post("/workspaces", { name });
      await boot(workspace.id);
    } catch (problem) {
      setError(problem);
    }
  };
  return html`<main class="auth" id="main"><div class="auth-card">
    <h1>${t("workspace.none")}</h1>
    <form onSubmit=${create}>
      <label>${t("workspace.name")}<input name="name" required maxlength="80" /></label>
      ${error && html`<p role="alert" class="form-error">${problemText(error)}</p>`}
      <button class="primary" type="submit">${t("workspace.create")}</button>
    </form>
  </div></main>`;
}
