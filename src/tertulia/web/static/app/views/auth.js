// Log in, register, and accept an invitation from its link.
import { html, useState, useEffect } from "../lib/html.js";
import { t, problemText } from "../lib/i18n.js";
import { logIn, register, boot } from "../lib/session.js";
import { get, post } from "../lib/api.js";
import { state } from "../lib/store.js";
import { go } from "../lib/router.js";

export function AuthScreen({ intro = null }) {
  const [mode, setMode] = useState("login");
  return html`<main class="auth" id="main">
    <div class="auth-card">
      <h1>${t(mode === "login" ? "auth.login.title" : "auth.register.title")}</h1>
      ${intro}
      ${mode === "login" ? html`<${LoginForm} />` : html`<${RegisterForm} />`}
      <button type="button" class="link" onClick=${() => setMode(mode === "login" ? "register" : "login")}>
        ${t(mode === "login" ? "auth.to_register" : "auth.to_login")}
      </button>
    </div>
  </main>`;
}

function useSubmit(action) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await action(new FormData(event.target));
    } catch (problem) {
      setError(problem);
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

function Problem({ error }) {
  if (!error) return null;
  const fields = error.problem?.errors || [];
  return html`<div class="form-error" role="alert">
    <p>${problemText(error)}</p>
    ${fields.length > 0 && html`<ul>${fields.map((f) => html`<li>${f.detail || f.message || f.msg}</li>`)}</ul>`}
  </div>`;
}

function LoginForm() {
  const { busy, error, submit } = useSubmit((form) => logIn(form.get("login"), form.get("password")));
  return html`<form onSubmit=${submit} aria-label=${t("auth.login.title")}>
    <label>${t("auth.login")}<input name="login" autocomplete="username" required maxlength="254" autofocus /></label>
    <label>${t("auth.password")}<input name="password" type="password" autocomplete="current-password" required /></label>
    <${Problem} error=${error} />
    <button type="submit" class="primary" disabled=${busy}>${t("auth.submit.login")}</button>
  </form>`;
}

function RegisterForm() {
  const { busy, error, submit } = useSubmit((form) =>
    register({
      username: form.get("username"),
      email: form.get("email"),
      display_name: form.get("display_name"),
      password: form.get("password"),
    }),
  );
  return html`<form onSubmit=${submit} aria-label=${t("auth.register.title")}>
    <label>${t("auth.display_name")}<input name="display_name" autocomplete="name" maxlength="80" /></label>
    <label>${t("auth.username")}<input name="username" autocomplete="username" required maxlength="32" autofocus /></label>
    <label>${t("auth.email")}<input name="email" type="email" autocomplete="email" required /></label>
    <label>${t("auth.password")}
      <input name="password" type="password" autocomplete="new-password" required minlength="10" aria-describedby="password-hint" />
    </label>
    <p id="password-hint" class="hint">${t("auth.password_hint")}</p>
    <${Problem} error=${error} />
    <button type="submit" class="primary" disabled=${busy}>${t("auth.submit.register")}</button>
  </form>`;
}

/** /invite/{token}: who invites you where; log in (or register) first, then one click joins. */
export function InviteScreen({ token }) {
  const [invitation, setInvitation] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    get(`/invitations/${encodeURIComponent(token)}`, undefined, { auth: false }).then(setInvitation, setError);
  }, [token]);
  const name = invitation?.workspace_name ?? invitation?.workspace?.name ?? "";
  const inviter = invitation?.inviter_name ?? invitation?.inviter?.display_name ?? "";
  const intro = html`<section class="invite" aria-labelledby="invite-title">
    <h2 id="invite-title">${t("invite.title")}</h2>
    ${error ? html`<p role="alert">${t("invite.invalid")}</p>` : invitation && html`<p>${t("invite.body", { inviter, workspace: name })}</p>`}
  </section>`;
  if (state.phase !== "ready") {
    return html`<${AuthScreen} intro=${html`${intro}${!error && html`<p class="hint">${t("invite.login_first")}</p>`}`} />`;
  }
  const accept = async () => {
    setBusy(true);
    try {
      const accepted = await post(`/invitations/${encodeURIComponent(token)}/accept`);
      const workspaceId = accepted?.workspace?.id ?? accepted?.workspace_id ?? invitation?.workspace_id;
      state.route = { view: "channel", workspaceId, channelId: null };
      await boot(workspaceId);
    } catch (problem) {
      setError(problem);
      setBusy(false);
    }
  };
  return html`<main class="auth" id="main"><div class="auth-card">
    ${intro}
    ${error && error.status && html`<p role="alert">${problemText(error)}</p>`}
    ${!error && html`<button class="primary" onClick=${accept} disabled=${busy || !invitation}>${t("invite.accept", { workspace: name })}</button>`}
    <button type="button" class="link" onClick=${() => go({ view: "home" })}>${t("pane.close")}</button>
  </div></main>`;
}
