// People: opening a DM or group DM with whoever is picked, a channel's members with their
// presence (a name opens their DM; members add people, managers remove them), and the small
// card of a message's author.
import { html, useState, useEffect } from "../lib/html.js";
import { state, displayName, notice } from "../lib/store.js";
import { t, problemText } from "../lib/i18n.js";
import { get, post, del } from "../lib/api.js";
import { registerPane, openPane } from "./pane.js";
import { registerAuthorAction } from "./message.js";
import { confirmDialog } from "./dialog.js";
import { keepChannel, goToChannel, usePages, PageFooter, meetPeople, fold, isDirect, manages } from "./channels-common.js";

const DM_OTHERS_MAX = 8; // channels.DM_MAX_PEOPLE - 1 on the server

/** Open (or find: the server answers the same one for the same people) the DM among the
 * person and `userIds`, and go to it. */
export async function openDm(userIds) {
  const others = userIds.filter((id) => id !== state.me.id);
  try {
    const ch = await post(`/workspaces/${state.workspaceId}/dms`, { user_ids: others.length ? others : [state.me.id] });
    goToChannel(keepChannel(ch, { is_member: true }));
  } catch (error) {
    notice(problemText(error), "error");
  }
}

function Presence({ userId }) {
  const status = state.presence.get(userId) || "offline";
  return html`<span class=${"presence " + status} aria-hidden="true"></span>`;
}

function matches(user, words) {
  const names = fold(`${user.display_name} ${user.username}`).split(/[\s._-]+/);
  return words.every((w) => names.some((n) => n.startsWith(w)));
}

/** Checkboxes of the workspace's people, a page at a time, with a filter box; past the
 * loaded pages the filter asks the server's autocomplete. */
function PeoplePicker({ selected, toggle, exclude, limit, label }) {
  const [filter, setFilter] = useState("");
  const [found, setFound] = useState(null); // the server's answer for a filter, when not all are loaded
  const ws = state.workspaceId;
  const pages = usePages(async (cursor) => {
    const page = await get(`/workspaces/${ws}/members`, { after: cursor, limit: 100 });
    meetPeople(page.items.map((m) => m.user));
    return { items: page.items.map((m) => m.user), next_cursor: page.next_cursor };
  }, [ws]);
  const words = fold(filter).split(/\s+/).filter(Boolean);

  useEffect(() => {
    setFound(null);
    if (!words.length || !pages.hasMore) return;
    const timer = setTimeout(async () => {
      try {
        const answer = await get(`/workspaces/${ws}/autocomplete`, { q: filter.trim(), limit: 50 });
        meetPeople(answer.users);
        setFound(answer.users);
      } catch {
        setFound(null); // the loaded pages, filtered, stand in
      }
    }, 150);
    return () => clearTimeout(timer);
  }, [filter, pages.hasMore]);

  const pool = found || pages.items;
  const people = pool.filter((u) => !exclude?.has(u.id) && (!words.length || matches(u, words)));
  const full = limit && selected.length >= limit;
  return html`<div class="picker">
    <label class="admin-field">${t("people.filter")}
      <input type="search" value=${filter} onInput=${(e) => setFilter(e.target.value)} autocomplete="off" />
    </label>
    ${full && html`<p class="hint" role="status">${t("people.limit", { n: limit })}</p>`}
    <ul class="admin-list picker-list" aria-label=${label}>
      ${people.map((u) => html`<li key=${u.id}>
        <label class="person-row">
          <input type="checkbox" checked=${selected.includes(u.id)} disabled=${full && !selected.includes(u.id)}
            onChange=${() => toggle(u.id)} />
          <${Presence} userId=${u.id} />
          <span class="person-name">${u.display_name || u.username}${u.id === state.me?.id ? " " + t("people.you") : ""}</span>
          <span class="hint">@${u.username}</span>
        </label>
      </li>`)}
    </ul>
    ${pages.loaded && !people.length && html`<p class="hint">${t("people.none")}</p>`}
    ${!found && html`<${PageFooter} pages=${pages} />`}
  </div>`;
}

function Chosen({ ids, toggle }) {
  if (!ids.length) return null;
  return html`<ul class="chosen" aria-label=${t("people.chosen")}>
    ${ids.map((id) => html`<li key=${id}><button type="button" class="chip" onClick=${() => toggle(id)}
        aria-label=${t("people.unchoose", { name: displayName(id) })}>${displayName(id)} ✕</button></li>`)}
  </ul>`;
}

function useChoice() {
  const [ids, setIds] = useState([]);
  const toggle = (id) => setIds((now) => (now.includes(id) ? now.filter((x) => x !== id) : [...now, id]));
  return [ids, toggle, setIds];
}

function NewDm() {
  const [ids, toggle] = useChoice();
  const [busy, setBusy] = useState(false);
  const start = async (event) => {
    event.preventDefault();
    setBusy(true);
    await openDm(ids);
    setBusy(false);
  };
  return html`<form class="admin new-dm" onSubmit=${start}>
    <p class="hint">${t("new_dm.hint")}</p>
    <${Chosen} ids=${ids} toggle=${toggle} />
    <${PeoplePicker} selected=${ids} toggle=${toggle} exclude=${new Set([state.me.id])} limit=${DM_OTHERS_MAX} label=${t("people.list")} />
    <div class="admin-actions sticky">
      <button type="submit" class="primary" disabled=${busy || !ids.length}>${t("new_dm.start")}</button>
    </div>
  </form>`;
}

function Members({ pane }) {
  const ch = state.channels.get(pane.channelId);
  const [adding, setAdding] = useState(false);
  const [ids, toggle, setIds] = useChoice();
  const [problem, setProblem] = useState(null);
  const pages = usePages(async (cursor) => {
    const page = await get(`/channels/${pane.channelId}/members`, { after: cursor, limit: 100 });
    meetPeople(page.items.map((m) => m.user));
    return page;
  }, [pane.channelId, ch?.member_count]);
  if (!ch) return null;
  const member = ch.is_member !== false;
  const canAdd = member && !isDirect(ch) && !ch.archived_at && state.workspaces.find((w) => w.id === state.workspaceId)?.role !== "guest";
  const canRemove = manages(ch) && !isDirect(ch) && !ch.archived_at;

  const add = async () => {
    setProblem(null);
    for (const id of ids) {
      try {
        // the count follows channel.member_joined (keeping this answer too would count twice)
        await post(`/channels/${ch.id}/members`, { user_id: id });
      } catch (error) {
        setProblem(error);
        return;
      }
    }
    setIds([]);
    setAdding(false);
    pages.reload();
  };
  const remove = async (user) => {
    const name = user.display_name || user.username;
    if (!(await confirmDialog(t("members.remove_confirm", { name }), t("members.remove")))) return;
    try {
      await del(`/channels/${ch.id}/members/${user.id}`);
      pages.setItems((items) => items.filter((m) => m.user.id !== user.id));
    } catch (error) {
      setProblem(error);
    }
  };

  return html`<div class="admin members">
    <p class="hint">${t("channel.members", { n: ch.member_count ?? pages.items.length })}</p>
    ${problem && html`<p class="form-error" role="alert">${problemText(problem)}</p>`}
    ${canAdd && !adding && html`<button type="button" onClick=${() => setAdding(true)}>${t("members.add")}</button>`}
    ${adding && html`<section class="add-people" aria-label=${t("members.add")}>
      <${Chosen} ids=${ids} toggle=${toggle} />
      <${PeoplePicker} selected=${ids} toggle=${toggle} exclude=${new Set(pages.items.map((m) => m.user.id))} label=${t("people.list")} />
      <div class="admin-actions">
        <button type="button" onClick=${() => (setAdding(false), setIds([]))}>${t("messages.cancel")}</button>
        <button type="button" class="primary" disabled=${!ids.length} onClick=${add}>${t("members.add_these", { n: ids.length })}</button>
      </div>
    </section>`}
    <ul class="admin-list" aria-label=${t("members.list")}>
      ${pages.items.map(({ user, role }) => {
        const name = user.display_name || user.username;
        const status = state.presence.get(user.id) || "offline";
        return html`<li key=${user.id} class="member-row">
          <${Presence} userId=${user.id} />
          <button type="button" class="link person-link" onClick=${() => openDm([user.id])}
            aria-label=${t("members.open_dm", { name, status: t("presence." + status) })}>${name}</button>
          <span class="hint">${user.id === state.me?.id ? t("people.you") : ""} ${role !== "member" ? t("role." + role) : ""}</span>
          ${canRemove && user.id !== state.me?.id && html`<button type="button" class="link danger-link"
              aria-label=${t("members.remove_who", { name })} onClick=${() => remove(user)}>${t("members.remove")}</button>`}
        </li>`;
      })}
    </ul>
    <${PageFooter} pages=${pages} />
  </div>`;
}

function Person({ pane }) {
  const [user, setUser] = useState(state.people.get(pane.userId) || null);
  const [error, setError] = useState(null);
  useEffect(() => {
    get(`/users/${pane.userId}`).then(
      (found) => {
        meetPeople([found]);
        setUser(found);
      },
      (problem) => user || setError(problem),
    );
  }, [pane.userId]);
  if (error) return html`<p class="form-error" role="alert">${problemText(error)}</p>`;
  if (!user) return html`<p class="hint" role="status">${t("app.loading")}</p>`;
  const status = state.presence.get(user.id) || "offline";
  let local = "";
  if (user.timezone) {
    try {
      local = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", timeZone: user.timezone }).format(new Date());
    } catch {
      local = ""; // a zone this browser does not know
    }
  }
  return html`<div class="admin person-card">
    <p class="person-big"><${Presence} userId=${user.id} /> <strong>${user.display_name || user.username}</strong></p>
    <dl class="facts">
      <dt>${t("person.username")}</dt><dd>@${user.username}</dd>
      <dt>${t("person.status")}</dt><dd>${t("presence." + status)}</dd>
      ${user.title && html`<dt>${t("person.title")}</dt><dd>${user.title}</dd>`}
      ${local && html`<dt>${t("person.local_time")}</dt><dd>${local} (${user.timezone})</dd>`}
    </dl>
    <button type="button" class="primary" onClick=${() => openDm([user.id])}>
      ${user.id === state.me?.id ? t("person.note_to_self") : t("person.message", { name: user.display_name || user.username })}</button>
  </div>`;
}

registerPane("new-dm", NewDm, () => t("sidebar.new_dm"));
registerPane("members", Members, (pane) => {
  const ch = state.channels.get(pane.channelId);
  return t("members.title", { name: ch && !isDirect(ch) ? "#" + ch.name : t("members.conversation") });
});
registerPane("person", Person, (pane) => displayName(pane.userId));
registerAuthorAction((userId, event) => openPane({ kind: "person", userId, opener: event.currentTarget }));
