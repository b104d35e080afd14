"""The hub on a real SQLite event log: events reach connections in log order whatever order
the broker brings them in, gaps are filled from the log, nothing published is needed for an
event to arrive in the end; and a connection's feed is bounded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import orjson
import pytest
from sqlalchemy import delete

from tertulia.adapters.broker.memory import MemoryBroker, MemoryPresence
from tertulia.adapters.sql import tables as t
from tertulia.adapters.sql.database import Database
from tertulia.adapters.sql.eventlog import SqlEventLog
from tertulia.domain import events
from tertulia.domain.channels import ChannelKind
from tertulia.domain.errors import Conflict
from tertulia.domain.ids import ChannelId, SessionId, UserId, WorkspaceId, new_id
from tertulia.domain.messages import Draft
from tertulia.domain.users import User
from tertulia.usecases.core import Tertulia
from tertulia.usecases.ports.realtime import Envelope
from tertulia.usecases.realtime import Feed, Hub, Live
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
        await core.posting.post(who.id, channel, Draft(f"m{i}"))
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
    envelopes = await posted(core, database, ana, dev, 4)
    await _forget(database, [e.id for e in envelopes[1:3]])  # ids 2 and 3 never committed

    hub.feed([envelopes[0], envelopes[3]])

    assert [e.id for e in await received(feed, 2)] == [envelopes[0].id, envelopes[3].id]
    assert hub.delivered == envelopes[3].id


async def _forget(database: Database, ids: list[int]) -> None:
    async with database.writer.begin() as conn:
        await conn.execute(delete(t.events).where(t.events.c.id.in_(ids)))


async def test_an_id_the_log_does_not_hold_moves_no_cursor(
    core: Tertulia, database: Database, hub: Hub, ana: User, dev: ChannelId
) -> None:
    """The broker brings an event far ahead of the log (another deployment's, a forger's):
    Ana's socket never gets it, the hub's cursor stays where the log is, a socket that
    connects afterwards starts from the log's true last id, and the next real events reach
    both sockets."""
    feed = feed_of(ana)
    await hub.attach(feed, None)
    log = SqlEventLog(database)
    last = await log.last_id()
    stranger = Envelope(last + 1000, "message.created", (events.channel_members(dev),), "{}")

    hub.feed([stranger])
    async with asyncio.timeout(5):
        while not hub.refused:  # noqa: ASYNC110  # a refusal has no signal but its count
            await asyncio.sleep(0.01)
    later = feed_of(ana)
    attached = await hub.attach(later, None)
    real = await posted(core, database, ana, dev, 2)
    hub.feed(real)

    assert attached.up_to == last
    assert [e.id for e in await received(feed, 2)] == [e.id for e in real]
    assert [e.id for e in await received(later, 2)] == [e.id for e in real]
    assert hub.delivered == real[-1].id


async def test_a_client_ahead_of_the_hub_is_caught_up_not_told_to_resync(
    core: Tertulia, database: Database, hub: Hub, ana: User, dev: ChannelId
) -> None:
    """Ana heard up to the last of five events on another node; this node's broker brought
    none of them and its poll is not due. She resumes here: the node reads the log first,
    so she is told neither to resync nor a last id below hers, and nothing is replayed to
    her twice."""
    envelopes = await posted(core, database, ana, dev, 5)  # nobody publishes them here
    feed = feed_of(ana)

    attached = await hub.attach(feed, envelopes[-1].id)

    assert not attached.resync
    assert attached.up_to == envelopes[-1].id
    assert attached.after is None  # nothing to replay: she has it all
    assert hub.delivered == envelopes[-1].id


async def test_a_client_ahead_of_the_log_is_told_to_resync(
    core: Tertulia, database: Database, hub: Hub, ana: User, dev: ChannelId
) -> None:
    """An id the log never held (a restored database, another deployment's id): after
    catching up, the node still lacks it, and says resync_required from its true last id."""
    last = await SqlEventLog(database).last_id()

    attached = await hub.attach(feed_of(ana), last + 10)

    assert attached.resync
    assert attached.up_to == last


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


# typing and sockets, per person ----------------------------------------------------------------


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Recording(MemoryBroker):
    """The in-process broker, keeping what was published."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[Envelope] = []

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        self.published.extend(envelopes)
        super().publish(envelopes)


@pytest.fixture
async def live(
    database: Database, dev: ChannelId
) -> AsyncIterator[tuple[Live, list[Envelope], Ticks]]:
    """Real time on the hub, its broker in process; what it publishes, and its clock."""
    broker = Recording()
    ticks = Ticks()
    hub = Hub(SqlEventLog(database), grace=0.05, poll=30)
    made = Live(broker, hub, ticks, MemoryPresence(), sockets_per_person=3)
    await made.start()
    yield made, broker.published, ticks
    await made.close()


def typing_of(published: list[Envelope]) -> list[Envelope]:
    return [e for e in published if e.type.startswith("typing.")]


async def test_alternating_typing_start_and_stop_is_heard_twice_a_window(
    live: tuple[Live, list[Envelope], Ticks], ana: User, dev: ChannelId
) -> None:
    """Ana's client alternates typing.start and typing.stop a hundred times within three
    seconds: the channel hears one start and one stop; after the window, a start again."""
    made, published, ticks = live
    await made.connect(feed_of(ana), None)

    for _ in range(100):
        made.typing(ana.id, dev, None, stopped=False)
        made.typing(ana.id, dev, None, stopped=True)
        ticks.now += 0.01
    ticks.now += 3
    made.typing(ana.id, dev, None, stopped=False)

    assert [e.type for e in typing_of(published)] == [
        "typing.started",
        "typing.stopped",
        "typing.started",
    ]


async def test_typing_from_many_sockets_and_threads_is_one_person_in_one_channel(
    live: tuple[Live, list[Envelope], Ticks], ana: User, dev: ChannelId
) -> None:
    """Ana types from three sockets, in #dev and in a thread of it: the channel hears her
    start once per window; a stop for a place she was not heard typing at is not sent."""
    made, published, _ = live
    for _ in range(3):
        await made.connect(feed_of(ana), None)

    made.typing(ana.id, dev, None, stopped=False)
    made.typing(ana.id, dev, "01JD5ZB0MESSAGE00000000001", stopped=False)
    made.typing(ana.id, dev, "01JD5ZB0MESSAGE00000000001", stopped=True)
    made.typing(ana.id, dev, None, stopped=False)
    made.typing(ana.id, dev, None, stopped=True)
    made.typing(ana.id, dev, None, stopped=True)

    heard = typing_of(published)
    assert [(e.type, orjson.loads(e.frame)["data"]["thread_root_id"]) for e in heard] == [
        ("typing.started", None),
        ("typing.stopped", None),
    ]


async def test_one_socket_more_than_a_person_may_open_is_refused(
    live: tuple[Live, list[Envelope], Ticks], ana: User, bruno: User
) -> None:
    """Ana may have three sockets: the fourth is refused (sockets.too_many) and not
    attached; once she closes one, she may open another; Bruno is not limited by her."""
    made, _, _ = live
    feeds = [feed_of(ana) for _ in range(3)]
    for feed in feeds:
        await made.connect(feed, None)

    with pytest.raises(Conflict) as refused:
        await made.connect(feed_of(ana), None)
    assert refused.value.code == "sockets.too_many"
    assert made.hub.feeds_of(ana.id) == set(feeds)

    await made.disconnect(feeds[0])
    await made.connect(feed_of(ana), None)
    await made.connect(feed_of(bruno), None)
    assert len(made.hub.feeds_of(ana.id)) == 3


async def test_sockets_on_other_nodes_count_toward_the_cap(
    live: tuple[Live, list[Envelope], Ticks], ana: User
) -> None:
    """Other nodes say Ana has two sockets there: this node lets her open one more, not
    two. When the presence store cannot say, this node's own count still holds."""
    made, _, _ = live
    assert made.presence is not None
    elsewhere = 2

    async def counted(user: UserId) -> int:
        return elsewhere

    made.presence.sockets_elsewhere = counted  # type: ignore[method-assign]
    await made.connect(feed_of(ana), None)
    with pytest.raises(Conflict):
        await made.connect(feed_of(ana), None)

    async def down(user: UserId) -> int:
        raise ConnectionError("Redis went away")

    made.presence.sockets_elsewhere = down  # type: ignore[method-assign]
    await made.connect(feed_of(ana), None)
    await made.connect(feed_of(ana), None)
    with pytest.raises(Conflict):
        await made.connect(feed_of(ana), None)
