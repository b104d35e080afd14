// A tiny client of the Tertulia API: enough to walk a team's first day in a browser.
"use strict";
const api = "/api/v1";
let tokens = JSON.parse(sessionStorage.getItem("tertulia.tokens") || "null");
let current = { workspace: null, channel: null };
const $ = (id) => document.getElementById(id);

function show(data, failed) {
  $("log").textContent = JSON.stringify(data, null, 2);
  $("log").className = failed ? "error" : "";
}

function save(next) {
  tokens = next;
  if (next) sessionStorage.setItem("tertulia.tokens", JSON.stringify(next));
  else sessionStorage.removeItem("tertulia.tokens");
  render();
}

async function call(method, path, body, retried) {
  const headers = { "content-type": "application/json" };
  if (tokens) headers.authorization = "Bearer " + tokens.access_token;
  const response = await fetch(api + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 && tokens && !retried && path !== "/auth/refresh") {
    const refreshed = await fetch(api + "/auth/refresh", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: tokens.refresh_token }),
    });
    if (refreshed.ok) { save(await refreshed.json()); return call(method, path, body, true); }
    save(null);
  }
  const data = response.status === 204 ? { status: 204 } : await response.json();
  show(data, !response.ok);
  if (!response.ok) throw data;
  return data;
}

function item(text, actions) {
  const li = document.createElement("li");
  li.textContent = text;
  for (const [label, handler] of actions || []) {
    const button = document.createElement("button");
    button.textContent = label;
    button.addEventListener("click", handler);
    li.appendChild(button);
  }
  return li;
}

function fill(list, items) { $(list).replaceChildren(...items); }

async function render() {
  $("auth").hidden = !!tokens;
  $("app").hidden = !tokens;
  $("logout").hidden = !tokens;
  $("who").textContent = tokens ? "@" + tokens.user.username : "not logged in";
  if (!tokens) return;
  const mine = await call("GET", "/workspaces");
  fill("workspaces", mine.items.map((w) => item(`${w.name} (${w.role})`, [["open", () => openWorkspace(w)]])));
}

async function openWorkspace(w) {
  current = { workspace: w, channel: null };
  $("workspace").hidden = false;
  $("channel").hidden = true;
  $("workspace-name").textContent = w.name;
  const channels = await call("GET", `/workspaces/${w.id}/channels`);
  fill("channels", channels.items.map((c) => item(
    `#${c.name} (${c.kind}, ${c.member_count})`,
    c.is_member ? [["open", () => openChannel(c)]]
                : [["join", async () => { await call("POST", `/channels/${c.id}/members`, { user_id: tokens.user.id }); openWorkspace(w); }]],
  )));
  try {
    const members = await call("GET", `/workspaces/${w.id}/members`);
    fill("members", members.items.map((m) => item(`${m.user.display_name} @${m.user.username} (${m.role})`)));
  } catch { fill("members", []); }
}

async function openChannel(c) {
  current.channel = c;
  $("channel").hidden = false;
  const fresh = await call("GET", `/channels/${c.id}`);
  $("channel-name").textContent = "#" + fresh.name;
  $("channel-topic").textContent = fresh.topic || "(no topic)";
  const members = await call("GET", `/channels/${c.id}/members`);
  fill("channel-members", members.items.map((m) => item(`@${m.user.username}`)));
}

function form(id, handler) {
  $(id).addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(event.target));
    for (const key of Object.keys(values)) if (values[key] === "") delete values[key];
    try { await handler(values); event.target.reset(); } catch (problem) { show(problem, true); }
  });
}

form("register", async (v) => { await call("POST", "/auth/register", v); });
form("login", async (v) => save(await call("POST", "/auth/login", v)));
form("new-workspace", async (v) => { await call("POST", "/workspaces", v); render(); });
form("accept", async (v) => { await call("POST", `/invitations/${encodeURIComponent(v.token)}/accept`); render(); });
form("new-channel", async (v) => { await call("POST", `/workspaces/${current.workspace.id}/channels`, v); openWorkspace(current.workspace); });
form("invite", async (v) => {
  await call("POST", `/workspaces/${current.workspace.id}/invitations`, { role: v.role, max_uses: Number(v.max_uses) });
});
form("topic", async (v) => { await call("PATCH", `/channels/${current.channel.id}`, { topic: v.topic || "" }); openChannel(current.channel); });
$("logout").addEventListener("click", async () => { try { await call("POST", "/auth/logout"); } finally { save(null); } });
render();
