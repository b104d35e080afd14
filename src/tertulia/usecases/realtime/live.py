"""Real time as the rest of the application sees it: publish what committed, connect and
disconnect sockets, and take their ephemeral commands (typing, presence)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

import orjson

from tertulia.domain import events
from tertulia.domain.errors import Conflict
from tertulia.domain.events import Event
from tertulia.domain.events.live import PresenceChanged, TypingStarted, TypingStopped
from tertulia.domain.ids import ChannelId, UserId
from tertulia.usecases.ports.realtime import AWAY, OFFLINE, ONLINE, Broker, Envelope, PresenceStore
from tertulia.usecases.realtime.envelopes import envelope, frame, watchers
from tertulia.usecases.realtime.feeds import Feed
from tertulia.usecases.realtime.hub import Attached, Hub
from tertulia.usecases.realtime.throttle import TypingThrottle

log = logging.getLogger("tertulia.realtime")

SUBSCRIBE_MAX = 500  # people a socket may watch the presence of (fits in one 16 KiB frame)


OFFLINE_AFTER = 10.0  # seconds without any socket before a person is offline
TYPING_EVERY = 3.0  # seconds between two "typing" of one person in one channel
SOCKETS_PER_PERSON = 50  # sockets one person may have open (every node counted)
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
        sockets_per_person: int = SOCKETS_PER_PERSON,
    ) -> None:
        self.broker = broker
        self.hub = hub
        self.presence = presence
        self._typing = TypingThrottle(typing_every, clock)
        self._offline_after = offline_after
        self._sockets_max = sockets_per_person
        self._opening: dict[UserId, int] = {}  # sockets of each person being attached here
        self._leaving: dict[UserId, asyncio.TimerHandle] = {}
        self._told: dict[UserId, str] = {}  # the presence this node last announced
        self._claimed: dict[UserId, str] = {}  # the status this node last stored, per person
        self._started = False
        self.events_published = 0  # counted for /metrics

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
        """Attach a socket to the hub; its person is online (or stays so).

        Raises Conflict `sockets.too_many` when the person has as many sockets open as they
        may already, on this node and the others (as the presence store last heard from
        them: a count that may lag by a connection or two, never by a node's worth)."""
        user = feed.user_id
        self._opening[user] = self._opening.get(user, 0) + 1
        try:
            await self._check_room(user)
            attached = await self.hub.attach(feed, last_id)
        finally:
            self._opening[user] -= 1
            if not self._opening[user]:
                del self._opening[user]
        leaving = self._leaving.pop(user, None)
        if leaving is not None:
            leaving.cancel()
        await self._update_presence(user)
        return attached

    async def _check_room(self, user: UserId) -> None:
        here = len(self.hub.feeds_of(user)) + self._opening[user]  # this socket included
        elsewhere = 0
        if here <= self._sockets_max and self.presence is not None:
            try:
                elsewhere = await self.presence.sockets_elsewhere(user)
            except Exception:  # presence is down: this node's count still holds
                log.warning("could not count sockets on other nodes", exc_info=True)
        if here + elsewhere > self._sockets_max:
            raise Conflict(
                f"You have {self._sockets_max} sockets open already: close one first.",
                code="sockets.too_many",
            )

    async def disconnect(self, feed: Feed) -> None:
        """Detach a socket; a person with no socket left here goes offline after a grace
        period (a reconnecting phone does not flicker)."""
        self.hub.detach(feed)
        feed.end()
        user = feed.user_id
        if self.hub.feeds_of(user) or not self._started:
            await self._update_presence(user)
            return
        claimed = self._claimed.get(user)
        if self.presence is not None and claimed is not None:
            # present here for the grace period still, but with no socket for the cap to count
            try:
                await self.presence.put(user, claimed, 0)
            except Exception:
                log.warning("could not update presence", exc_info=True)
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
            await self.presence.put(user, here, len(feeds))
            if here is None:
                self._claimed.pop(user, None)
            else:
                self._claimed[user] = here
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
                    PresenceChanged.TYPE,
                    (watchers(user),),
                    frame(0, PresenceChanged.TYPE, None, None, None, data),
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
        self.events_published += len(committed)
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
        """Tell a channel's members (all nodes) that someone is typing there, or stopped, as
        far as the throttle lets it through (see TypingThrottle); False if the person is not
        in that channel."""
        channel = ChannelId(channel_id)
        scope = events.channel_members(channel)
        if scope not in self.hub.audience_of(user):
            return False
        place = thread_root_id or ""
        if stopped:
            if not self._typing.stop(user, channel, place):
                return True
        elif not self._typing.start(user, channel, place):
            return True
        data = {
            "user_id": user,
            "thread_root_id": thread_root_id,
            "expires_in": 0 if stopped else TYPING_EXPIRES,
        }
        type_ = (TypingStopped if stopped else TypingStarted).TYPE
        self.broker.publish(
            [Envelope(0, type_, (scope,), frame(0, type_, None, None, channel_id, data))]
        )
        return True
