"""Real time: committed events, from the log to the sockets of the people who may see them.

The database is the truth and the socket its replica. A unit of work appends its events to the
log and commits; only then are they published to the broker (in-process, or Redis across
nodes). Every node's `Hub` takes them back in log order, fills any gap from the log itself (a
publish lost to a crash or a dropped connection costs latency, never an event), and offers
each one, encoded once, to the local connections whose scopes its audience names.

A connection that resumes from the last id it saw is sent the log from there up to the hub's
watermark, then whatever the hub dispatched after it registered: no gap, no duplicate at the
seam. Ephemeral events (typing, presence) carry id 0, skip the log, and are the first thing a
slow connection loses.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import orjson

from tertulia.domain import events
from tertulia.domain.events import Event
from tertulia.domain.ids import ChannelId, SessionId, UserId

log = logging.getLogger("tertulia.realtime")

PRUNE_EVERY = 3600.0  # seconds between two prunings of the event log

TYPING = frozenset({"typing.started", "typing.stopped"})
# scope changes after which someone may see fewer people
LEAVING = frozenset({"workspace.member_left", "workspace.member_updated", "channel.member_left"})
SUBSCRIBE_MAX = 500  # people a socket may watch the presence of (fits in one 16 KiB frame)


def watchers(user: UserId) -> str:
    """The scope of the sockets that show someone's presence."""
    return f"presence:{user}"


# events after which someone's scopes (the workspaces and channels they may hear) change
SCOPE_CHANGES = frozenset(
    {
        "workspace.created",
        "workspace.member_joined",
        "workspace.member_updated",
        "workspace.member_left",
        "channel.created",
        "channel.member_joined",
        "channel.member_left",
    }
)


@dataclass(frozen=True, slots=True)
class Envelope:
    """An event on its way to sockets: `frame` is what every recipient receives, encoded once.
    `id` is its place in the log; 0 for an ephemeral event, which the log never holds."""

    id: int
    type: str
    audience: tuple[str, ...]
    frame: str


def envelope(event: Event) -> Envelope:
    """The envelope of a committed (or ephemeral) event."""
    return Envelope(
        event.id,
        event.type,
        event.audience,
        frame(event.id, event.type, event.at, event.workspace_id, event.channel_id, event.data),
    )


def frame(
    event_id: int,
    type_: str,
    at: datetime | None,
    workspace_id: str | None,
    channel_id: str | None,
    data: Any,
) -> str:
    """The JSON a client receives: one envelope shape for every event (`data` may be an
    orjson.Fragment: JSON already encoded, as the log stores it)."""
    body: dict[str, Any] = {"type": type_}
    if event_id:
        body["id"] = event_id
    body["at"] = at
    body["workspace_id"] = workspace_id
    body["channel_id"] = channel_id
    body["data"] = data
    return orjson.dumps(body).decode()


def sees(viewer: set[str], seen: set[str], viewer_id: UserId, seen_id: UserId) -> bool:
    """Whether someone with the `viewer` scopes may see someone with the `seen` scopes: a
    full member sees everyone of the workspace, anyone sees the people of their channels."""
    if viewer_id == seen_id:
        return True
    for scope in viewer:
        if scope.startswith("ws-full:"):
            if "ws:" + scope[8:] in seen:
                return True
        elif scope.startswith("ch:") and scope in seen:
            return True
    return False


def concerned(envelope: Envelope) -> set[UserId]:
    """Whose scopes an event of SCOPE_CHANGES changes (read from its data: rare events)."""
    payload = orjson.loads(envelope.frame)
    data = payload.get("data") or {}
    people: set[UserId] = set()
    for key in ("user_id", "created_by"):
        if isinstance(data.get(key), str):
            people.add(UserId(data[key]))
    for user in data.get("user_ids") or ():
        people.add(UserId(user))
    workspace = data.get("workspace")
    if isinstance(workspace, dict) and isinstance(workspace.get("created_by"), str):
        people.add(UserId(workspace["created_by"]))
    return people


# ports ------------------------------------------------------------------------------------------


class Broker(Protocol):
    """Carries envelopes from the process that committed them to every process, itself
    included. Delivery may lose or reorder envelopes (the hub repairs both from the log); it
    must never block or fail the publisher."""

    async def start(self, deliver: Callable[[Sequence[Envelope]], None]) -> None:
        """Begin handing received envelopes to `deliver`, in the order they arrive."""

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        """Send, without waiting; errors are logged, not raised."""

    async def ping(self) -> None:
        """Raise when the broker cannot carry envelopes now (readiness)."""

    async def close(self) -> None: ...


class EventLog(Protocol):
    """What the hub reads from the event log, and who may see what."""

    async def last_id(self) -> int:
        """The newest event's id (0 when the log is empty)."""

    async def first_id(self) -> int:
        """The oldest event still kept (0 when the log is empty)."""

    async def after(self, after_id: int, up_to: int | None, limit: int) -> list[Envelope]:
        """Events with after_id < id (<= up_to), oldest first, at most `limit`."""

    async def scopes(self, user_id: UserId) -> set[str]:
        """Every scope this person belongs to now (see domain.events)."""

    async def prune(self, before: datetime) -> int:
        """Forget events older than `before` (keeping the newest); how many went."""


class PresenceStore(Protocol):
    """Who is online, shared by every node: each node says, per person, how they are on its
    connections; a person's presence is the best of what the nodes say."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def put(self, user: UserId, status: str | None) -> None:
        """This node's view of the person: ONLINE, AWAY, or None (no connection here)."""

    async def get(self, users: Sequence[UserId]) -> dict[UserId, str]:
        """Each person's presence: ONLINE, AWAY or OFFLINE."""


ONLINE, AWAY, OFFLINE = "online", "away", "offline"


def best(statuses: Iterable[str]) -> str:
    """Online on any device is online; connected but away everywhere is away."""
    found = set(statuses)
    return ONLINE if ONLINE in found else AWAY if AWAY in found else OFFLINE


# a connection's side -----------------------------------------------------------------------------


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
            self.cut = True
            self._queue.clear()
            self._wake()
            return
        if not item.id:
            if size * 2 >= self.capacity:
                self.dropped += 1
                return
            if (
                self.viewing is not None
                and item.type in TYPING
                and self.viewing not in item.audience
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


# the hub ------------------------------------------------------------------------------------------


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

    # life ----------------------------------------------------------------------------------------

    async def start(self) -> None:
        self.delivered = await self._log.last_id()
        self._tasks = [asyncio.create_task(self._run(), name="tertulia-hub")]
        if self._retention is not None:
            self._tasks.append(asyncio.create_task(self._prune(), name="tertulia-log-pruner"))

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

    async def _prune(self) -> None:
        assert self._retention is not None
        while True:
            try:
                pruned = await self._log.prune(datetime.now(UTC) - self._retention)
                if pruned:
                    log.info("pruned %d events older than %s", pruned, self._retention)
            except Exception:
                log.exception("could not prune the event log; trying again later")
            await asyncio.sleep(PRUNE_EVERY)

    async def _step(self) -> None:
        try:
            async with asyncio.timeout(self._poll):
                await self._arrived.wait()
        except TimeoutError:
            # nothing came: look for events committed by a process that never published them
            await self._fill(None)
            return
        self._arrived.clear()
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
                await self._fill(next_id - 1)

    async def _fill(self, up_to: int | None) -> None:
        """Dispatch what the log holds after `delivered` (up to `up_to`); ids it does not
        hold below `up_to` never committed and never will (ids are in commit order)."""
        while True:
            found = await self._log.after(self.delivered, up_to, 500)
            for item in found:
                if item.id > self.delivered:
                    self.filled += 1
                    await self._dispatch(item)
            if len(found) < 500:
                break
        if up_to is not None and self.delivered < up_to:
            self.delivered = up_to

    async def _dispatch(self, item: Envelope) -> None:
        if item.type in SCOPE_CHANGES:
            people = concerned(item)
            await self._rescope(people)
            if item.type in LEAVING:
                await self._recheck_watching(people)
        elif item.type == "session.revoked":
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
        after this returns reaches its feed; everything before, the replay covers."""
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


# the use case ---------------------------------------------------------------------------------


class TypingThrottle:
    """At most one "typing" per person and place every `every` seconds: a client may send
    one per keystroke, the others hear it once per window."""

    def __init__(self, every: float, clock: Callable[[], float]) -> None:
        self._every = every
        self._clock = clock
        self._last: dict[tuple[UserId, str], float] = {}

    def allow(self, user: UserId, place: str) -> bool:
        now = self._clock()
        key = (user, place)
        if now - self._last.get(key, -self._every) < self._every:
            return False
        if len(self._last) > 100_000:  # forget windows that have ended
            self._last = {k: t for k, t in self._last.items() if now - t < self._every}
        self._last[key] = now
        return True

    def forget(self, user: UserId, place: str) -> None:
        """They stopped: the next start is news at once."""
        self._last.pop((user, place), None)


OFFLINE_AFTER = 10.0  # seconds without any socket before a person is offline
TYPING_EVERY = 3.0  # seconds between two "typing" of one person in one place
TYPING_EXPIRES = 6.0  # seconds a client shows "typing" without hearing it again


class Live:
    """Real time as the rest of the application sees it: publish what committed, connect
    and disconnect sockets, and take their ephemeral commands (typing, presence)."""

    def __init__(
        self,
        broker: Broker,
        hub: Hub,
        clock: Callable[[], float],
        presence: PresenceStore | None = None,
        typing_every: float = TYPING_EVERY,
        offline_after: float = OFFLINE_AFTER,
    ) -> None:
        self.broker = broker
        self.hub = hub
        self.presence = presence
        self._typing = TypingThrottle(typing_every, clock)
        self._offline_after = offline_after
        self._leaving: dict[UserId, asyncio.TimerHandle] = {}
        self._told: dict[UserId, str] = {}  # the presence this node last announced
        self._started = False

    async def start(self) -> None:
        await self.hub.start()
        await self.broker.start(self.hub.feed)
        if self.presence is not None:
            await self.presence.start()
        self._started = True

    async def close(self) -> None:
        self._started = False
        for handle in self._leaving.values():
            handle.cancel()
        self._leaving.clear()
        if self.presence is not None:
            for user in list(self.hub.users_here()):
                with contextlib.suppress(Exception):
                    await self.presence.put(user, None)
            await self.presence.close()
        await self.broker.close()
        await self.hub.close()

    # connections ---------------------------------------------------------------------------------

    async def connect(self, feed: Feed, last_id: int | None) -> Attached:
        """Attach a socket to the hub; its person is online (or stays so)."""
        attached = await self.hub.attach(feed, last_id)
        leaving = self._leaving.pop(feed.user_id, None)
        if leaving is not None:
            leaving.cancel()
        await self._update_presence(feed.user_id)
        return attached

    async def disconnect(self, feed: Feed) -> None:
        """Detach a socket; a person with no socket left here goes offline after a grace
        period (a reconnecting phone does not flicker)."""
        self.hub.detach(feed)
        feed.end()
        user = feed.user_id
        if self.hub.feeds_of(user) or not self._started:
            await self._update_presence(user)
            return
        loop = asyncio.get_running_loop()
        self._leaving[user] = loop.call_later(
            self._offline_after, lambda: asyncio.ensure_future(self._left(user))
        )

    async def _left(self, user: UserId) -> None:
        self._leaving.pop(user, None)
        if not self.hub.feeds_of(user):
            await self._update_presence(user)

    async def set_presence(self, feed: Feed, active: bool) -> None:
        """The client says its person is at the device (active) or not (away)."""
        if feed.active != active:
            feed.active = active
            await self._update_presence(feed.user_id)

    async def _update_presence(self, user: UserId) -> None:
        if self.presence is None or not self._started:
            return
        feeds = self.hub.feeds_of(user)
        here = (ONLINE if any(f.active for f in feeds) else AWAY) if feeds else None
        try:
            await self.presence.put(user, here)
            status = (await self.presence.get([user]))[user]
        except Exception:
            log.warning("could not update presence", exc_info=True)
            return
        if self._told.get(user, OFFLINE) == status:
            return
        if status == OFFLINE:
            self._told.pop(user, None)
        else:
            self._told[user] = status
        # to the sockets whose clients show this person (a broadcast to everyone who may
        # see them would cost a 10,000-member workspace 10,000 frames per change)
        data = {"user_id": user, "status": status}
        self.broker.publish(
            [
                Envelope(
                    0,
                    "presence.changed",
                    (watchers(user),),
                    frame(0, "presence.changed", None, None, None, data),
                )
            ]
        )

    async def subscribe(self, feed: Feed, people: Sequence[UserId]) -> None:
        """The socket hears the presence of these people from now on (and no longer of
        those it watched before): first `presence.subscribed` with their presence now, on
        its feed, then their changes. The caller checked that its person may see them.

        Watching starts before the presence is read, and the answer goes through the feed:
        a change that lands meanwhile reaches the socket before the answer, which already
        holds it, and every later change after it."""
        self.hub.watch(feed, frozenset(watchers(user) for user in people))
        now = dict.fromkeys(people, OFFLINE)
        if self.presence is not None and people:
            now = await self.presence.get(people)
        answer = orjson.dumps({"type": "presence.subscribed", "users": now}).decode()
        feed.reply(Envelope(0, "presence.subscribed", (), answer))

    def published(self, committed: Sequence[Event]) -> None:
        """What a unit of work committed, on its way to every node. Never raises: the change
        is committed whatever happens here, and the hubs find lost events in the log."""
        if not self._started:
            return
        try:
            self.broker.publish([envelope(event) for event in committed])
        except Exception:
            log.exception(
                "could not publish %d events; the hubs will read them from the log",
                len(committed),
            )

    def view(self, feed: Feed, channel_id: str | None) -> bool:
        """The client shows this channel now (None: none in particular); from now on its
        socket hears typing only there. False if the person is not in that channel."""
        if channel_id is None:
            feed.viewing = None
            return True
        scope = events.channel_members(ChannelId(channel_id))
        if scope not in self.hub.audience_of(feed.user_id):
            return False
        feed.viewing = scope
        return True

    def typing(
        self, user: UserId, channel_id: str, thread_root_id: str | None, stopped: bool
    ) -> bool:
        """Tell a channel's members (all nodes) that someone is typing there, or stopped;
        False if the person is not in that channel or spoke too recently."""
        scope = events.channel_members(ChannelId(channel_id))
        if scope not in self.hub.audience_of(user):
            return False
        place = f"{channel_id}/{thread_root_id or ''}"
        if not stopped and not self._typing.allow(user, place):
            return True
        if stopped:
            self._typing.forget(user, place)
        data = {
            "user_id": user,
            "thread_root_id": thread_root_id,
            "expires_in": 0 if stopped else TYPING_EXPIRES,
        }
        type_ = "typing.stopped" if stopped else "typing.started"
        self.broker.publish(
            [Envelope(0, type_, (scope,), frame(0, type_, None, None, channel_id, data))]
        )
        return True
