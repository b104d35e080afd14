"""A connection's side of real time: its bounded queue of envelopes."""

from __future__ import annotations

import asyncio
from collections import deque

from tertulia.domain.events.catalogue import kind_of
from tertulia.domain.ids import SessionId, UserId
from tertulia.usecases.ports.realtime import Envelope


class Feed:
    """A connection's bounded queue of envelopes. Past half full it refuses ephemeral events;
    full, it is cut: the connection is closed with "resume", so a slow reader costs a bounded
    amount of memory and loses nothing it cannot get back from the log."""

    __slots__ = (
        "_queue",
        "_waiter",
        "active",
        "capacity",
        "cut",
        "dropped",
        "overflowed",
        "session_ended",
        "session_id",
        "user_id",
        "viewing",
        "watching",
    )

    def __init__(self, user_id: UserId, session_id: SessionId, capacity: int) -> None:
        self.user_id = user_id
        self.session_id = session_id
        self.capacity = capacity
        self.cut = False  # fell too far behind (or ended); no longer fed
        self.session_ended = False  # its session was logged out
        self.active = True  # the person is at this device (its client says "away" otherwise)
        self.dropped = 0  # ephemeral events refused
        self.overflowed = False  # cut for falling too far behind (backpressure)
        # the scope of the channel its client shows ("ch:…"); typing elsewhere is not sent.
        # None: the client did not say, and hears typing everywhere it may
        self.viewing: str | None = None
        self.watching: frozenset[str] = frozenset()  # whose presence it hears ("presence:…")
        self._queue: deque[Envelope] = deque()
        self._waiter: asyncio.Future[None] | None = None  # the writer, asleep on an empty queue

    def offer(self, item: Envelope) -> None:
        if self.cut:
            return
        size = len(self._queue)
        if size >= self.capacity:
            self.cut = self.overflowed = True
            self._queue.clear()
            self._wake()
            return
        if not item.id:
            if size * 2 >= self.capacity:
                self.dropped += 1
                return
            if (
                self.viewing is not None
                and self.viewing not in item.audience
                and (kind := kind_of(item.type)) is not None
                and kind.FOR_VIEWERS
            ):
                return
        self._queue.append(item)
        if not size:
            self._wake()

    def reply(self, item: Envelope) -> None:
        """The answer to a command of this connection's: queued like an event, never
        dropped (unless the connection is cut)."""
        if not self.cut:
            self._queue.append(item)
            if len(self._queue) == 1:
                self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def end(self) -> None:
        """Stop feeding (the server is closing, or the session ended); wake the writer."""
        self.cut = True
        self._wake()

    async def take(self) -> list[Envelope]:
        """Everything queued, waiting for at least one; empty once cut."""
        while not self._queue and not self.cut:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if self.cut:
            return []
        items = list(self._queue)
        self._queue.clear()
        return items
