// A channel's details: its topic and purpose (members edit them), muting, leaving, and
// archiving or bringing it back (its creator and workspace admins). What the person may not
// do is not offered; what the server refuses shows its problem.
import { html, useState, useEffect, useRef } from "../lib/html.js";
import { state, changed, displayName, notice } from "../lib/store.js";
import { t, problemText, when } from "../lib/i18n.js";
import { patch, del } from "../lib/api.js";
import { go } from "../lib/router.js";
import { registerPane, closePane } from "./pane.js";
import { confirmDialog } from "./dialog.js";
import { keepChannel, fieldErrors, ProblemText, isDirect, isAdmin, manages } from "./channels-common.js";

const TEXT_MAX = 250;

function TextSetting({ ch, field, editable }) {
  const [value, setValue] = useState(ch[field] || "");
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const box = useRef(null);
  const edit = useRef(null);
  const opened = useRef(false);
  useEffect(() => {
    if (editing) box.current?.focus();
    else if (opened.current) edit.current?.focus(); // back where the person was
    opened.current = editing;
  }, [editing]);
  useEffect(() => {
    if (!editing) setValue(ch[field] || ""); // someone else changed it meanwhile
  }, [ch[field]]);
  const id = `details-${field}`;
  const errors = fieldErrors(error)[field];

  const save = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      keepChannel(await patch(`/channels/${ch.id}`, { [field]: value.trim() }));
      setEditing(false);
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  const label = t("channel." + field);
  if (!editing) {
    return html`<div class="setting">
      <h3 class="setting-name">${label}</h3>
      <p class=${ch[field] ? "setting-value" : "setting-value hint"}>${ch[field] || t("details.none")}</p>
      ${editable && html`<button type="button" class="link" ref=${edit} aria-label=${t("details.edit", { what: label })}
          onClick=${() => (setValue(ch[field] || ""), setEditing(true))}>${t("messages.edit")}</button>`}
    </div>`;
  }
  return html`<form class="setting" onSubmit=${save}>
    <label class="admin-field" for=${id}>${label}</label>
    <input id=${id} maxlength=${TEXT_MAX} value=${value} onInput=${(e) => setValue(e.target.value)}
      aria-invalid=${errors ? "true" : "false"} aria-describedby=${errors ? id + "-error" : undefined}
      onKeyDown=${(e) => e.key === "Escape" && (e.stopPropagation(), e.preventDefault(), setEditing(false))}
      ref=${box} />
    ${errors && html`<p class="form-error" id=${id + "-error"}>${errors.join(" ")}</p>`}
    <${ProblemText} error=${error} fields=${[field]} />
    <div class="admin-actions">
      <button type="button" onClick=${() => (setEditing(false), setError(null))}>${t("messages.cancel")}</button>
      <button type="submit" class="primary" disabled=${busy}>${t("channel.save")}</button>
    </div>
  </form>`;
}

function Details({ pane }) {
  const ch = state.channels.get(pane.channelId);
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  if (!ch) return null;
  const member = ch.is_member !== false;
  const archived = !!ch.archived_at;
  const direct = isDirect(ch);
  const canEdit = !archived && !direct && (member || isAdmin());
  const canArchive = !direct && !ch.is_default && manages(ch);

  const act = async (work) => {
    setBusy(true);
    setProblem(null);
    try {
      await work();
    } catch (error) {
      setProblem(error);
    } finally {
      setBusy(false);
    }
  };
  const mute = () =>
    act(async () => {
      await patch(`/channels/${ch.id}/members/${state.me.id}`, { muted: !ch.muted });
      ch.muted = !ch.muted;
      changed();
    });
  const leave = async () => {
    const name = "#" + ch.name;
    if (!(await confirmDialog(t("details.leave_confirm", { name }), t("channel.leave")))) return;
    await act(async () => {
      await del(`/channels/${ch.id}/members/${state.me.id}`);
      if (ch.kind === "public") ch.is_member = false;
      else state.channels.delete(ch.id);
      closePane();
      go({ view: "channel", workspaceId: state.workspaceId, channelId: elsewhere(ch.id) });
      notice(t("details.left", { name }));
    });
  };
  const archive = async (yes) => {
    const name = "#" + ch.name;
    const question = yes ? t("details.archive_confirm", { name }) : t("details.unarchive_confirm", { name });
    if (!(await confirmDialog(question, t(yes ? "channel.archive" : "channel.unarchive")))) return;
    await act(async () => {
      // DELETE archives; PATCH {archived: false} is the one way back
      keepChannel(yes ? await del(`/channels/${ch.id}`) : await patch(`/channels/${ch.id}`, { archived: false }));
    });
  };

  return html`<div class="admin details">
    <dl class="facts">
      <dt>${t("details.kind")}</dt><dd>${t("details.kind." + ch.kind)}</dd>
      ${ch.created_by && html`<dt>${t("details.created")}</dt>
        <dd>${t("details.created_by", { name: displayName(ch.created_by), when: when(new Date(ch.created_at)) })}</dd>`}
      <dt>${t("details.members")}</dt><dd>${ch.member_count ?? "…"}</dd>
      ${archived && html`<dt>${t("details.archived")}</dt><dd>${when(new Date(ch.archived_at))}</dd>`}
    </dl>
    ${!direct && html`<${TextSetting} key=${ch.id + "topic"} ch=${ch} field="topic" editable=${canEdit} />
      <${TextSetting} key=${ch.id + "purpose"} ch=${ch} field="purpose" editable=${canEdit} />`}
    ${problem && html`<p class="form-error" role="alert">${problemText(problem)}</p>`}
    <div class="details-actions">
      ${member && html`<button type="button" aria-pressed=${ch.muted ? "true" : "false"} disabled=${busy} onClick=${mute}>
        ${ch.muted ? t("channel.unmute") : t("channel.mute")}</button>`}
      ${member && !direct && !ch.is_default && html`<button type="button" disabled=${busy} onClick=${leave}>${t("channel.leave")}</button>`}
      ${canArchive && !archived && html`<button type="button" class="danger" disabled=${busy} onClick=${() => archive(true)}>${t("channel.archive")}</button>`}
      ${canArchive && archived && html`<button type="button" disabled=${busy} onClick=${() => archive(false)}>${t("channel.unarchive")}</button>`}
    </div>
    ${member && html`<p class="hint">${t("details.mute_hint")}</p>`}
  </div>`;
}

/** Where to go after leaving: the workspace's default channel, else any other of the person's. */
function elsewhere(leftId) {
  const mine = [...state.channels.values()].filter((c) => c.id !== leftId && c.is_member !== false && !c.archived_at);
  return (mine.find((c) => c.is_default) || mine.find((c) => !isDirect(c)) || mine[0])?.id || null;
}

registerPane("details", Details, (pane) => {
  const ch = state.channels.get(pane.channelId);
  return ch && !isDirect(ch) ? t("details.title", { name: "#" + ch.name }) : t("channel.settings");
});
