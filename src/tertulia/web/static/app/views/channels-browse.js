// Finding and making channels: the workspace's channels a page at a time (join one, open one)
// and the form that creates one, its name checked as the server checks it.
import { html, useState, useRef } from "../lib/html.js";
import { state } from "../lib/store.js";
import { t, problemText } from "../lib/i18n.js";
import { get, post } from "../lib/api.js";
import { href } from "../lib/router.js";
import { registerPane } from "./pane.js";
import { keepChannel, goToChannel, usePages, PageFooter, fieldErrors, ProblemText, fold, myRole } from "./channels-common.js";

const NAME_MAX = 80; // text.CHANNEL_NAME_MAX on the server
const TEXT_MAX = 250; // channels.TOPIC_MAX and PURPOSE_MAX

function Browse() {
  const [archived, setArchived] = useState(false);
  const [filter, setFilter] = useState("");
  const [problem, setProblem] = useState(null);
  const ws = state.workspaceId;
  const pages = usePages(
    (cursor) => get(`/workspaces/${ws}/channels`, { after: cursor, limit: 100, include_archived: archived || undefined }),
    [ws, archived],
  );
  const shown = pages.items.filter((ch) => !filter || fold(ch.name).includes(fold(filter.trim())));

  const join = async (ch) => {
    setProblem(null);
    try {
      const joined = keepChannel(await post(`/channels/${ch.id}/members`, { user_id: state.me.id }), { is_member: true });
      goToChannel(joined);
    } catch (error) {
      setProblem(error);
    }
  };
  const open = (event, ch) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    goToChannel(keepChannel(ch));
  };

  return html`<div class="admin browse">
    <div class="admin-tools">
      <label class="admin-field">${t("browse.filter")}
        <input type="search" value=${filter} onInput=${(e) => setFilter(e.target.value)} />
      </label>
      <label class="admin-check"><input type="checkbox" checked=${archived} onChange=${(e) => setArchived(e.target.checked)} />
        ${t("browse.archived")}</label>
    </div>
    ${problem && html`<p class="form-error" role="alert">${problemText(problem)}</p>`}
    <ul class="admin-list" aria-label=${t("browse.list")} aria-busy=${pages.busy ? "true" : "false"}>
      ${shown.map((ch) => html`<li key=${ch.id} class="browse-item">
        <div class="browse-main">
          <a href=${href({ view: "channel", workspaceId: ws, channelId: ch.id })} onClick=${(e) => open(e, ch)}
             class="browse-name">${ch.kind === "private" ? "🔒 " : "#"}${ch.name}</a>
          <span class="hint">${t("channel.members", { n: ch.member_count })}${ch.archived_at ? " · " + t("browse.is_archived") : ""}${ch.is_member ? " · " + t("browse.joined") : ""}</span>
          ${(ch.topic || ch.purpose) && html`<p class="browse-about">${ch.topic || ch.purpose}</p>`}
        </div>
        ${!ch.is_member && ch.kind === "public" && !ch.archived_at && myRole() !== "guest" && html`<button type="button"
            aria-label=${t("browse.join", { name: ch.name })} onClick=${() => join(ch)}>${t("channel.join")}</button>`}
      </li>`)}
    </ul>
    ${pages.loaded && !shown.length && html`<p class="hint">${t("browse.none")}</p>`}
    <${PageFooter} pages=${pages} />
  </div>`;
}

/** The server's rule for a name (text.channel_name), so the person hears of a problem before sending. */
export function checkName(value) {
  const name = value.trim().normalize("NFC").toLowerCase();
  if (!name) return { name, problem: "problem.channel.name_empty" };
  if ([...name].length > NAME_MAX) return { name, problem: "problem.channel.name_too_long" };
  if (!/^[\p{L}\p{M}\p{Nd}_-]+$/u.test(name)) return { name, problem: "problem.channel.name_invalid" };
  if (!/[\p{L}\p{Nd}]/u.test(name)) return { name, problem: "problem.channel.name_invalid" };
  return { name, problem: null };
}

function NewChannel() {
  const [name, setName] = useState("");
  const [kind, setKind] = useState("public");
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const input = useRef(null);
  const checked = checkName(name);
  const server = fieldErrors(error);
  const nameErrors = [...(touched && checked.problem ? [t(checked.problem, { max: NAME_MAX })] : []), ...(server.name || [])];

  const submit = async (event) => {
    event.preventDefault();
    setTouched(true);
    if (checked.problem) {
      input.current?.focus();
      return;
    }
    const form = new FormData(event.target);
    setBusy(true);
    setError(null);
    try {
      const made = await post(`/workspaces/${state.workspaceId}/channels`, {
        name: checked.name,
        kind,
        topic: String(form.get("topic") || "").trim(),
        purpose: String(form.get("purpose") || "").trim(),
      });
      goToChannel(keepChannel(made, { is_member: true }));
    } catch (problem) {
      setBusy(false);
      setError(problem);
    }
  };
  const described = (id, errors) => (errors?.length ? id + "-error" : undefined);

  return html`<form class="admin new-channel" onSubmit=${submit} noValidate>
    <label class="admin-field">${t("channel.name")}
      <input ref=${input} name="name" value=${name} autocomplete="off" required
        aria-invalid=${nameErrors.length ? "true" : "false"}
        aria-describedby=${["new-channel-name-hint", described("new-channel-name", nameErrors)].filter(Boolean).join(" ")}
        onInput=${(e) => { setName(e.target.value); setError(null); }} onBlur=${() => name && setTouched(true)} />
    </label>
    <p class="hint" id="new-channel-name-hint">${t("new_channel.name_hint")}
      ${!checked.problem && checked.name !== name && html` ${t("new_channel.will_be", { name: checked.name })}`}</p>
    ${nameErrors.length > 0 && html`<div class="form-error" id="new-channel-name-error" role="alert">${nameErrors.map((e) => html`<p>${e}</p>`)}</div>`}
    <fieldset class="admin-kinds">
      <legend>${t("new_channel.kind")}</legend>
      ${["public", "private"].map((k) => html`<label class="admin-check" key=${k}>
        <input type="radio" name="kind" value=${k} checked=${kind === k} onChange=${() => setKind(k)} />
        ${t("channel.kind." + k)}</label>`)}
    </fieldset>
    ${["topic", "purpose"].map((field) => html`<label class="admin-field" key=${field}>${t("channel." + field)} <span class="hint">${t("new_channel.optional")}</span>
      <input name=${field} maxlength=${TEXT_MAX} aria-invalid=${server[field] ? "true" : "false"}
        aria-describedby=${described("new-channel-" + field, server[field])} />
      ${server[field] && html`<span class="form-error" id=${"new-channel-" + field + "-error"}>${server[field].join(" ")}</span>`}
    </label>`)}
    <${ProblemText} error=${error} fields=${["name", "topic", "purpose"]} />
    <div class="admin-actions">
      <button type="submit" class="primary" disabled=${busy}>${t("channel.create")}</button>
    </div>
  </form>`;
}

registerPane("browse", Browse, () => t("sidebar.browse"));
registerPane("new-channel", NewChannel, () => t("sidebar.new_channel"));
