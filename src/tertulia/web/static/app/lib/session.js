// The life of a session: resume it from the refresh cookie, log in or register, boot (one
// call for the first screen), keep the socket, and on logout forget everything of the person.
import * as api from "./api.js";
import { state, changed, reset, notice } from "./store.js";
import * as socket from "./socket.js";
import { on } from "./events.js";
import { go, parse } from "./router.js";
import { t } from "./i18n.js";

export async function start() {
  state.route = parse();
  try {
    const tokens = await api.resume();
    if (!tokens) {
      state.phase = "anonymous";
      changed();
      return;
    }
    await boot(state.route.workspaceId);
  } catch (error) {
    state.phase = "anonymous";
    if (error instanceof api.NetworkError) notice(t("problem.network"), "error");
    changed();
  }
}

export async function logIn(login, password) {
  await api.login(login, password);
  await boot(state.route.workspaceId);
}

export async function register({ username, email, password, display_name }) {
  await api.post("/auth/register", { username, email, password, display_name }, { auth: false });
  await logIn(username, password);
}

/** Load the first screen of a workspace (the person's first, unless named) and go live. */
export async function boot(workspaceId = null) {
  if (state.phase !== "ready") state.phase = "booting";
  changed();
  const data = await api.get("/boot", workspaceId ? { workspace_id: workspaceId } : undefined).catch((error) => {
    if (workspaceId && error instanceof api.ApiError && error.status < 500) return api.get("/boot");
    throw error;
  });
  adopt(data);
  socket.start(data.last_event_id);
  socket.watchPresence([...state.people.keys()]);
  state.phase = "ready";
  settleRoute();
  changed();
}

function adopt(data) {
  state.me = data.me;
  state.workspaces = data.workspaces;
  state.workspaceId = data.workspace_id;
  state.channels = new Map(data.channels.map((ch) => [ch.id, ch]));
  state.people = new Map(data.people.map((p) => [p.id, p]));
  if (state.me) state.people.set(state.me.id, { ...state.people.get(state.me.id), ...state.me });
  state.presence = new Map(Object.entries(data.presence || {}));
  state.unreadNotifications = data.unread_notifications ?? 0;
}

/** Point the address at something that exists: the channel asked for, else a default one. */
function settleRoute() {
  const route = state.route;
  if (route.view === "invite") return;
  if (!state.workspaceId) {
    go({ view: "home" }, { replace: true });
    return;
  }
  if (route.view === "channel" && route.workspaceId === state.workspaceId && route.channelId) return;
  const channels = [...state.channels.values()].filter((ch) => !ch.archived_at);
  const first = channels.find((ch) => ch.is_default) || channels.find((ch) => ch.kind === "public") || channels[0];
  go({ view: "channel", workspaceId: state.workspaceId, channelId: first?.id || null }, { replace: true });
}

export async function switchWorkspace(workspaceId) {
  if (workspaceId === state.workspaceId) return;
  socket.stop();
  for (const timeline of state.timelines.values()) timeline.dispose?.();
  state.timelines = new Map();
  state.pane = null;
  state.route = { view: "channel", workspaceId, channelId: null };
  await boot(workspaceId);
}

export async function logOut() {
  socket.stop();
  try {
    await api.logout();
  } catch {
    // the server may be unreachable: this browser forgets the session all the same
  }
  forgetEverything();
}

function forgetEverything() {
  state.phase = "anonymous"; // first: forgetting the tokens below calls back here
  api.forget();
  socket.stop();
  reset();
  sessionStorage.clear();
  revokeBlobs();
  go({ view: "home" }, { replace: true });
}

const blobs = new Set();
/** Object URLs made for this person's files: revoked at logout so nothing of theirs stays. */
export function trackBlob(url) {
  blobs.add(url);
  return url;
}
function revokeBlobs() {
  for (const url of blobs) URL.revokeObjectURL(url);
  blobs.clear();
}

on("session-revoked", () => {
  if (state.phase !== "anonymous") forgetEverything();
});

on("resync", async () => {
  // the socket's gap is older than the server keeps: refetch what the screen shows
  try {
    const data = await api.get("/boot", { workspace_id: state.workspaceId });
    adopt(data);
    for (const timeline of state.timelines.values()) timeline.loaded && timeline.latest();
    changed();
  } catch {
    // the next resync or reconnect tries again
  }
});

api.onSession((tokens) => {
  if (!tokens && state.phase === "ready") forgetEverything();
});

on("refresh-channel", async (channelId) => {
  // someone added this person to a channel: it joins the sidebar
  try {
    const found = await api.get(`/channels/${channelId}`);
    const known = state.channels.get(channelId);
    state.channels.set(channelId, { unread_messages: 0, mentions: 0, last_read_seq: 0, latest_seq: 0, ...known, ...found });
    changed();
  } catch {
    // gone again, or not visible: nothing to show
  }
});

on("rebooted", () => {
  if (state.phase === "ready") boot(state.workspaceId).catch(() => {});
});
