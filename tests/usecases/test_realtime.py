"""The hub on a real SQLite event log: events reach connections in log order whatever order
the broker brings them in, gaps are filled from the log, nothing published is needed for an
event to arrive in the end; and a connection's feed is bounded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tertulia.adapters.sql.database import Database
from tertulia.adapters.sql.eventlog import SqlEventLog
from tertulia.domain.channels import ChannelKind
from tertulia.domain.ids import ChannelId, SessionId, UserId, WorkspaceId, new_id
from tertulia.domain.messages import Draft
from tertulia.domain.users import User
from tertulia.usecases.core import Tertulia
from tertulia.usecases.realtime import Envelope, Feed, Hub
from tests.usecases.teams import person


@pytest.fixture
async def dev(core: Tertulia, ana: User, ws: WorkspaceId) -> ChannelId:
    row = await core.channels.create(ana.id, ws, "dev", ChannelKind.PUBLIC)
    return row.channel.id


@pytest.fixture
async def hub(database: Database, dev: ChannelId) -> AsyncIterator[Hub]:
    """A hub started once Ana, her workspace and #dev exist."""
    started = Hub(SqlEventLog(database), grace=0.05, poll=30)  # no polling within a test
    await started.start()
    yield started
    await started.close()


def feed_of(user: User, capacity: int = 100) -> Feed:
    return Feed(user.id, SessionId(new_id()), capacity)


async def posted(
    core: Tertulia, database: Database, who: User, channel: ChannelId, n: int
) -> list[Envelope]:
    """Post n messages (nobody publishes them); their envelopes as the log holds them."""
    log = SqlEventLog(database)
    before = await log.last_id()
    for i in range(n):
        await core.messaging.post(who.id, channel, Draft(f"m{i}"))
    return await log.after(before, None, 1000)


async def received(feed: Feed, count: int) -> list[Envelope]:
    items: list[Envelope] = []
    async with asyncio.timeout(5):
        while len(items) < count:
            items.extend(await feed.take())
    return items


async def test_events_brought_out_of_order_go_out_in_log_order(
    core: Tertulia, database: Database, hub: Hub, ana: User, dev: ChannelId
) -> None:
    """The broker brings five events backwards: Ana's connection gets them in log order."""
    feed = feed_of(ana)
    await hub.attach(feed, None)
    envelopes = await posted(core, database, ana, dev, 5)

    hub.feed(list(reversed(envelopes)))

    assert [e.id for e in await received(feed, 5)] == [e.id for e in envelopes]
    assert hub.filled == 0


async def test_an_event_whose_publish_never_came_is_taken_from_the_log(
    core: Tertulia, database: Database, hub: Hub, ana: User, dev: ChannelId
) -> None:
    """Events 1, 2 and 4 of four are published; the third is read from the log after the
    grace period, and all four arrive in order."""
    feed = feed_of(ana)
    await hub.attach(feed, None)
    envelopes = await posted(core, database, ana, dev, 4)

    hub.feed([envelopes[0], envelopes[1], envelopes[3]])

    assert [e.id for e in await received(feed, 4)] == [e.id for e in envelopes]
    assert hub.filled == 1


async def test_events_nobody_published_arrive_by_the_poll(
    core: Tertulia, database: Database, ana: User, dev: ChannelId
) -> None:
    """A process committed three events and died before publishing: the idle hub finds them
    in the log within its poll interval."""
    hub = Hub(SqlEventLog(database), grace=0.05, poll=0.2)
    await hub.start()
    try:
        feed = feed_of(ana)
        await hub.attach(feed, None)
        envelopes = await posted(core, database, ana, dev, 3)

        assert [e.id for e in await received(feed, 3)] == [e.id for e in envelopes]
        assert hub.filled == 3
    finally:
        await hub.close()


async def test_an_id_that_never_committed_does_not_stall_the_hub(
    core: Tertulia, database: Database, hub: Hub, ana: User, dev: ChannelId
) -> None:
    """The log skips ids (a PostgreSQL sequence does after a failed commit): once the grace
    period shows they are not coming, the events after the hole go out."""
    feed = feed_of(ana)
    await hub.attach(feed, None)
    envelopes = await posted(core, database, ana, dev, 2)
    later = Envelope(envelopes[-1].id + 3, "message.created", envelopes[-1].audience, "{}")

    hub.feed([*envelopes, later])

    assert [e.id for e in await received(feed, 3)] == [*(e.id for e in envelopes), later.id]


async def test_a_duplicate_is_dispatched_once(
    core: Tertulia, database: Database, hub: Hub, ana: User, dev: ChannelId
) -> None:
    """The same envelope arriving twice (a redelivery) goes out once."""
    feed = feed_of(ana)
    await hub.attach(feed, None)
    envelopes = await posted(core, database, ana, dev, 2)

    hub.feed(envelopes)
    hub.feed(envelopes)
    first = await received(feed, 2)
    await asyncio.sleep(0.3)

    assert [e.id for e in first] == [e.id for e in envelopes]
    assert await asyncio.wait_for(_pending(feed), 0.1) == []


async def _pending(feed: Feed) -> list[Envelope]:
    try:
        async with asyncio.timeout(0.05):
            return await feed.take()
    except TimeoutError:
        return []


async def test_someone_outside_the_audience_gets_nothing(
    core: Tertulia, database: Database, hub: Hub, ana: User, dev: ChannelId
) -> None:
    """An event of #dev does not reach a connection of someone not in the workspace."""
    olga = await person(core, "olga")
    feed = feed_of(olga)
    await hub.attach(feed, None)
    hub.feed(await posted(core, database, ana, dev, 1))
    await asyncio.sleep(0.3)

    assert await _pending(feed) == []


# a connection's feed ---------------------------------------------------------------------------


def item(event_id: int) -> Envelope:
    return Envelope(event_id, "typing.started" if not event_id else "message.created", (), "{}")


def test_a_feed_past_half_full_refuses_ephemeral_events_only() -> None:
    """With 4 of 8 places taken, typing is dropped but messages are still queued."""
    feed = Feed(UserId(new_id()), SessionId(new_id()), 8)
    for i in range(1, 5):
        feed.offer(item(i))

    feed.offer(item(0))
    feed.offer(item(5))

    assert feed.dropped == 1
    assert not feed.cut


async def test_a_full_feed_is_cut_and_forgets_what_it_held() -> None:
    """The ninth durable event for a feed of 8 cuts it: the connection will be closed with
    "resume" and catch up from the log; its queue no longer holds memory."""
    feed = Feed(UserId(new_id()), SessionId(new_id()), 8)
    for i in range(1, 10):
        feed.offer(item(i))

    assert feed.cut
    assert await feed.take() == []
    feed.offer(item(10))
    assert await feed.take() == []
