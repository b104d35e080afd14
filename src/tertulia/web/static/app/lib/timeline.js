// A window onto a channel's history (or a thread's replies): the ids of the loaded messages,
// oldest first, and whether more lie on either side. Scrolling far trims the other end, so
// a channel of any length keeps a few hundred messages in memory and in the page.
import { get } from "./api.js";
import { state, changed } from "./store.js";

export const PAGE = 50; // the first page of a channel, or around a message
export const MORE = 25; // each page further back or forward: small, so no frame is long
export const KEEP = 250; // messages kept in a window; past it the far end is dropped

export class Timeline {
  constructor(channelId, rootId = null) {
    this.channelId = channelId;
    this.rootId = rootId; // a thread's replies rather than the channel
    this.ids = [];
    this.hasOlder = false;
    this.hasNewer = false;
    this.loaded = false;
    this.busy = null; // the load under way
    this.error = null;
    this.focusId = null; // a message to show highlighted (a link, a search hit)
    this.version = 0; // bumped on every change, for the list to notice
  }

  get path() {
    return this.rootId ? `/messages/${this.rootId}/replies` : `/channels/${this.channelId}/messages`;
  }

  _take(items) {
    for (const message of items) remember(message);
  }

  async _load(query, place) {
    if (this.busy) return this.busy;
    this.busy = (async () => {
      try {
        const slice = await get(this.path, { limit: PAGE, ...query });
        this._take(slice.items);
        const ids = slice.items.map((m) => m.id);
        place(ids, slice);
        this.loaded = true;
        this.error = null;
      } catch (error) {
        this.error = error;
        throw error;
      } finally {
        this.busy = null;
        this.version++;
        changed();
      }
    })();
    return this.busy;
  }

  latest() {
    this.focusId = null;
    return this._load({}, (ids, slice) => {
      this.ids = ids;
      this.hasOlder = slice.has_older;
      this.hasNewer = this.rootId ? slice.has_newer : false; // a thread reads from its start
    });
  }

  around(messageId) {
    this.focusId = messageId;
    this.focusShown = false;
    return this._load({ around: messageId }, (ids, slice) => {
      this.ids = ids;
      this.hasOlder = slice.has_older;
      this.hasNewer = slice.has_newer;
    });
  }

  older() {
    if (!this.hasOlder || !this.ids.length) return Promise.resolve();
    return this._load({ before: this.ids[0], limit: MORE }, (ids, slice) => {
      this.ids = [...ids.filter((id) => !this.ids.includes(id)), ...this.ids];
      this.hasOlder = slice.has_older;
      if (this.ids.length > KEEP) {
        this.ids = this.ids.slice(0, KEEP);
        this.hasNewer = true;
      }
    });
  }

  newer() {
    if (!this.hasNewer || !this.ids.length) return Promise.resolve();
    return this._load({ after: this.ids[this.ids.length - 1], limit: MORE }, (ids, slice) => {
      const have = new Set(this.ids);
      this.ids = [...this.ids, ...ids.filter((id) => !have.has(id))];
      this.hasNewer = slice.has_newer;
      if (this.ids.length > KEEP) {
        this.ids = this.ids.slice(this.ids.length - KEEP);
        this.hasOlder = true;
      }
    });
  }

  /** A message that arrived live: appended when this window shows the present. */
  arrived(message) {
    if (this.ids.includes(message.id)) return;
    if (this.hasNewer || !this.loaded) return; // reading the past: the jump bar says there is more
    const seq = message.seq;
    let at = this.ids.length;
    while (at > 0 && (state.messages.get(this.ids[at - 1])?.seq ?? 0) > seq) at--;
    this.ids.splice(at, 0, message.id);
    if (this.ids.length > KEEP + PAGE) {
      this.ids = this.ids.slice(this.ids.length - KEEP);
      this.hasOlder = true;
    }
    this.version++;
  }

  removed(messageId) {
    const at = this.ids.indexOf(messageId);
    if (at >= 0) {
      this.ids.splice(at, 1);
      this.version++;
    }
  }

  messages() {
    return this.ids.map((id) => state.messages.get(id)).filter(Boolean);
  }
}

/** Keep the newest version of a message seen anywhere (REST or socket). An event's data
 * lacks what travels apart (its seq, reactions): what is known of those stays. */
export function remember(message) {
  const known = state.messages.get(message.id);
  if (known && (known.version ?? 0) > (message.version ?? 0)) return known;
  const merged = known ? { ...known, ...message } : message;
  state.messages.set(message.id, merged);
  return merged;
}

export function timelineOf(channelId) {
  let timeline = state.timelines.get(channelId);
  if (!timeline) {
    timeline = new Timeline(channelId);
    state.timelines.set(channelId, timeline);
  }
  return timeline;
}

export function threadOf(rootId) {
  const key = "thread:" + rootId;
  let timeline = state.timelines.get(key);
  if (!timeline) {
    const root = state.messages.get(rootId);
    timeline = new Timeline(root?.channel_id || null, rootId);
    state.timelines.set(key, timeline);
  }
  return timeline;
}
