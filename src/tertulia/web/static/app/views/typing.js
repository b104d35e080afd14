// Who is typing here now (ephemeral: from the socket, gone after a few seconds).
import { html } from "../lib/html.js";
import { state, displayName } from "../lib/store.js";
import { t } from "../lib/i18n.js";
import { typingKey } from "../lib/events.js";

export function Typing({ channelId, threadRootId = null }) {
  const now = Date.now();
  const people = [...(state.typing.get(typingKey(channelId, threadRootId))?.entries() || [])]
    .filter(([, until]) => until > now)
    .map(([id]) => displayName(id));
  let text = "";
  if (people.length === 1) text = t("typing.one", { a: people[0] });
  else if (people.length === 2) text = t("typing.two", { a: people[0], b: people[1] });
  else if (people.length > 2) text = t("typing.many");
  return html`<p class="typing" aria-live="off" data-testid="typing">${text}</p>`;
}
