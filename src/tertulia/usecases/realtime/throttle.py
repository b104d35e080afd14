"""How much of one person's typing the others hear."""

from __future__ import annotations

from collections.abc import Callable

from tertulia.domain.ids import ChannelId, UserId


class TypingThrottle:
    """Per person and channel: at most one "started" every `every` seconds, and a "stopped"
    only after a "started" that went out (once). A client may send one start per keystroke,
    or alternate start and stop as fast as it likes: the channel hears at most two frames of
    that person per window, however many sockets they type from on this node."""

    def __init__(self, every: float, clock: Callable[[], float]) -> None:
        self._every = every
        self._clock = clock
        # when a "started" last went out, and where they type since (None: they stopped)
        self._state: dict[tuple[UserId, ChannelId], tuple[float, str | None]] = {}

    def start(self, user: UserId, channel: ChannelId, place: str) -> bool:
        """They type at `place` (the channel, or a thread in it): whether the others hear."""
        now = self._clock()
        key = (user, channel)
        found = self._state.get(key)
        if found is not None and now - found[0] < self._every:
            return False
        if len(self._state) > 100_000:  # forget windows that have ended
            self._state = {k: s for k, s in self._state.items() if now - s[0] < self._every}
        self._state[key] = (now, place)
        return True

    def stop(self, user: UserId, channel: ChannelId, place: str) -> bool:
        """They stopped typing at `place`: whether the others hear (only if they heard it
        start, and not stop already)."""
        key = (user, channel)
        found = self._state.get(key)
        if found is None or found[1] != place:
            return False
        self._state[key] = (found[0], None)
        return True
