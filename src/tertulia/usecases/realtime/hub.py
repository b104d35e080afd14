"""The hub: one per process, events in log order to the local connections that may see them."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import orjson

from tertulia.domain.events.accounts import SessionRevoked
from tertulia.domain.events.catalogue import BY_TYPE
from tertulia.domain.ids import SessionId, UserId
from tertulia.usecases.ports.realtime import Envelope, EventLog
from tertulia.usecases.realtime.envelopes import sees, watchers
from tertulia.usecases.realtime.feeds import Feed

log = logging.getLogger("tertulia.realtime")

PRUNE_EVERY = 3600.0  # seconds between two prunings of the event log


@dataclass(slots=True)
class _Local:
    """The connections of one person on this node, with the scopes they share."""

    feeds: set[Feed] = field(default_factory=set)
    scopes: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Attached:
    """Where a connection starts: replay `(after, up_to]` from the log (None: nothing to
    replay), or, with `resync`, refetch by REST because the gap is no longer in the log."""

    up_to: int
    after: int | None
    resync: bool
    scopes: frozenset[str]


class Hub:
    """One per process: events in log order to the local connections that may see them."""

    def __init__(
        self,
        log_: EventLog,
        *,
        grace: float = 0.05,
        poll: float = 1.0,
        replay_max: int = 50_000,
        retention: timedelta | None = None,
        on_session_revoked: Callable[[SessionId], None] | None = None,
    ) -> None:
        self._log = log_
        self._retention = retention  # events older than this are pruned (hourly)
        self._grace = grace  # how long a gap may wait for its publish before the log fills it
        self._poll = poll  # how often an idle hub looks for events it was never sent
        self._replay_max = replay_max
        self.on_session_revoked = on_session_revoked  # e.g. evict it from a session cache
        self.delivered = 0  # every event up to here was dispatched (or never existed)
        self._pending: list[tuple[int, Envelope]] = []  # a heap of events ahead of a gap
        self._arrived = asyncio.Event()
        self._scopes: dict[str, set[Feed]] = {}
        self._people: dict[UserId, _Local] = {}
        self._epoch = 0  # counts scope changes, so an attach can tell its scopes went stale
        self._tasks: list[asyncio.Task[None]] = []
        self.dispatched = 0
        self.filled = 0  # events the log supplied because their publish never came
        self.refused = 0  # durable envelopes from the broker that the log does not hold
        # one reader of the log at a time: the hub's own task, or a resume catching up
        self._reading = asyncio.Lock()

    # life ----------------------------------------------------------------------------------------

    async def start(self) -> None:
        self.delivered = await self._log.last_id()
        self._tasks = [asyncio.create_task(self._run(), name="tertulia-hub")]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        for local in self._people.values():
            for feed in local.feeds:
                feed.end()

    @property
    def connections(self) -> int:
        return sum(len(local.feeds) for local in self._people.values())

    def users_here(self) -> Iterable[UserId]:
        return self._people.keys()

    # input ---------------------------------------------------------------------------------------

    def feed(self, envelopes: Sequence[Envelope]) -> None:
        """Take envelopes from the broker: ephemeral ones go out at once, durable ones in
        log order."""
        for item in envelopes:
            if not item.id:
                self._offer(item)
            elif item.id > self.delivered:
                heapq.heappush(self._pending, (item.id, item))
        if self._pending:
            self._arrived.set()

    async def _run(self) -> None:
        while True:
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the hub failed a step; retrying")
                await asyncio.sleep(self._poll)

    async def prune(self) -> bool:
        """Forget the events older than the retention (a periodic step of the job worker,
        every PRUNE_EVERY seconds); never more to do at once."""
        if self._retention is None:
            return False
        pruned = await self._log.prune(datetime.now(UTC) - self._retention)
        if pruned:
            log.info("pruned %d events older than %s", pruned, self._retention)
        return False

    async def _step(self) -> None:
        try:
            async with asyncio.timeout(self._poll):
                await self._arrived.wait()
        except TimeoutError:
            # nothing came: look for events committed by a process that never published them
            async with self._reading:
                await self._fill(None)
            return
        async with self._reading:
            self._arrived.clear()
            await self._drain()

    async def _drain(self) -> None:
        """Dispatch the pending envelopes in log order, filling gaps from the log."""
        while self._pending:
            next_id, item = self._pending[0]
            if next_id <= self.delivered:
                heapq.heappop(self._pending)
                continue
            if next_id == self.delivered + 1:
                heapq.heappop(self._pending)
                await self._dispatch(item)
                continue
            # a gap: give its publish a moment, then take it from the log
            try:
                async with asyncio.timeout(self._grace):
                    while self._pending[0][0] != self.delivered + 1:
                        self._arrived.clear()
                        await self._arrived.wait()
            except TimeoutError:
                ahead = self._pending[0][0]
                if not await self._fill(ahead):
                    # published after its commit, yet not in the log: not an event of this
                    # deployment's, and no id the log does not hold may move the cursor
                    while self._pending and self._pending[0][0] == ahead:
                        heapq.heappop(self._pending)
                    self.refused += 1
                    log.warning(
                        "ignored event %d from the broker: the event log (at %d) does not hold it",
                        ahead,
                        self.delivered,
                    )

    async def _fill(self, through: int | None) -> bool:
        """Dispatch what the log holds after `delivered` (through `through`, or all of it);
        whether the log holds `through`. Ids the log does not hold below an id it holds
        never committed and never will (ids are in commit order)."""
        while True:
            found = await self._log.after(self.delivered, through, 500)
            for item in found:
                if item.id > self.delivered:
                    if through is None or item.id < through:
                        self.filled += 1
                    await self._dispatch(item)
            if len(found) < 500:
                break
        return through is None or self.delivered >= through

    async def catch_up(self) -> None:
        """Dispatch whatever the log holds beyond what this hub has delivered, now (its
        broker may be lagging or unreachable, and its poll not due yet)."""
        async with self._reading:
            await self._fill(None)

    async def _dispatch(self, item: Envelope) -> None:
        kind = BY_TYPE.get(item.type)  # once per event and node, not per recipient
        if kind is not None and kind.CHANGES_SCOPES:
            people = kind.concerned(orjson.loads(item.frame).get("data") or {})
            await self._rescope(people)
            if kind.NARROWS:
                await self._recheck_watching(people)
        elif kind is SessionRevoked:
            self._end_session(item)
        self._offer(item)
        self.delivered = item.id
        self.dispatched += 1

    def _offer(self, item: Envelope) -> None:
        audience = item.audience
        if len(audience) == 1:
            for feed in self._scopes.get(audience[0], ()):
                feed.offer(item)
            return
        seen: set[Feed] = set()
        for scope in audience:
            for feed in self._scopes.get(scope, ()):
                if feed not in seen:
                    seen.add(feed)
                    feed.offer(item)

    async def _rescope(self, people: set[UserId]) -> None:
        self._epoch += 1
        for user in people:
            local = self._people.get(user)
            if local is not None:
                self._set_scopes(local, await self._log.scopes(user))

    async def _recheck_watching(self, people: set[UserId]) -> None:
        """These people may see fewer others now (they left a workspace or a channel, or
        became guests): sockets stop hearing the presence of people their person may no
        longer see, both ways. Rare events; one query per person outside this node."""
        known: dict[UserId, set[str]] = {}

        async def scopes_of(user: UserId) -> set[str]:
            local = self._people.get(user)
            if local is not None:
                return local.scopes
            if user not in known:
                known[user] = await self._log.scopes(user)
            return known[user]

        for user in people:
            theirs = await scopes_of(user)
            for feed in list(self._scopes.get(watchers(user), ())):
                if not sees(self._people[feed.user_id].scopes, theirs, feed.user_id, user):
                    self.watch(feed, feed.watching - {watchers(user)})
            local = self._people.get(user)
            for feed in list(local.feeds) if local else ():
                kept = set()
                for scope in feed.watching:
                    other = UserId(scope.removeprefix("presence:"))
                    if sees(theirs, await scopes_of(other), user, other):
                        kept.add(scope)
                if len(kept) != len(feed.watching):
                    self.watch(feed, frozenset(kept))

    def _end_session(self, item: Envelope) -> None:
        session = SessionId(str(orjson.loads(item.frame)["data"]["session_id"]))
        if self.on_session_revoked is not None:
            self.on_session_revoked(session)
        user = next((UserId(s[5:]) for s in item.audience if s.startswith("user:")), None)
        local = self._people.get(user) if user else None
        for feed in list(local.feeds) if local else ():
            if feed.session_id == session:
                feed.session_ended = True
                feed.end()

    # connections ---------------------------------------------------------------------------------

    async def attach(self, feed: Feed, last_id: int | None) -> Attached:
        """Register a connection and say what it must be replayed. Everything dispatched
        after this returns reaches its feed; everything before, the replay covers.

        A client that has heard more than this node has delivered (its broker lags, or the
        client comes from a node that was quicker) waits for the node to catch up from the
        log: it is never answered with an id below its own while the log holds its id, so
        it is neither told to resync nor replayed what it has."""
        if last_id is not None and last_id > self.delivered:
            await self.catch_up()
        while True:
            epoch = self._epoch
            scopes = await self._log.scopes(feed.user_id)
            if epoch == self._epoch:
                break
        local = self._people.setdefault(feed.user_id, _Local())
        self._set_scopes(local, scopes)
        local.feeds.add(feed)
        for scope in local.scopes:
            self._scopes.setdefault(scope, set()).add(feed)
        up_to = self.delivered
        frozen = frozenset(local.scopes)
        if last_id is None or last_id == up_to:
            return Attached(up_to, None, False, frozen)
        first = await self._log.first_id()
        too_old = last_id < first - 1 or up_to - last_id > self._replay_max
        if last_id > up_to or too_old:
            return Attached(up_to, None, True, frozen)
        return Attached(up_to, last_id, False, frozen)

    def watch(self, feed: Feed, scopes: frozenset[str]) -> None:
        """From now on the feed hears what is said to these scopes besides its person's own
        (the presence of the people its client shows), instead of what it watched before."""
        for scope in feed.watching - scopes:
            self._unhold(scope, feed)
        for scope in scopes - feed.watching:
            self._scopes.setdefault(scope, set()).add(feed)
        feed.watching = scopes

    def _unhold(self, scope: str, feed: Feed) -> None:
        holders = self._scopes.get(scope)
        if holders is not None:
            holders.discard(feed)
            if not holders:
                del self._scopes[scope]

    def detach(self, feed: Feed) -> None:
        local = self._people.get(feed.user_id)
        if local is None or feed not in local.feeds:
            return
        local.feeds.discard(feed)
        self.watch(feed, frozenset())
        for scope in local.scopes:
            self._unhold(scope, feed)
        if not local.feeds:
            del self._people[feed.user_id]

    def _set_scopes(self, local: _Local, scopes: set[str]) -> None:
        for scope in local.scopes - scopes:
            holders = self._scopes.get(scope)
            if holders is not None:
                holders.difference_update(local.feeds)
                if not holders:
                    del self._scopes[scope]
        for scope in scopes - local.scopes:
            self._scopes.setdefault(scope, set()).update(local.feeds)
        local.scopes = scopes

    async def replay(
        self, after: int, up_to: int, scopes: frozenset[str]
    ) -> tuple[list[Envelope], int]:
        """The next page of a replay: the events in (after, up_to] that the scopes may see,
        oldest first, and where the next page starts; an empty page when done."""
        while after < up_to:
            page = await self._log.after(after, up_to, 500)
            if not page:
                break
            after = page[-1].id
            kept = [item for item in page if not scopes.isdisjoint(item.audience)]
            if kept:
                return kept, after
        return [], up_to

    def feeds_of(self, user: UserId) -> set[Feed]:
        local = self._people.get(user)
        return local.feeds if local else set()

    def audience_of(self, user: UserId) -> frozenset[str]:
        local = self._people.get(user)
        return frozenset(local.scopes) if local else frozenset()
