"""Read state as its people see it: a read marker per channel, moved forward or back, unread
messages and mentions per channel, muted channels that count only mentions, the unread replies
of followed threads, and who may keep a marker at all."""

from __future__ import annotations

import pytest

from tertulia.adapters.sql.database import Database
from tertulia.domain.errors import Forbidden, NotFound
from tertulia.domain.ids import ChannelId, WorkspaceId
from tertulia.domain.users import User
from tertulia.usecases.core import Tertulia
from tests.usecases.talk import five, nothing_logged, only, reply, say, unread_in
from tests.usecases.teams import last_event_id, logged


async def test_marking_read_up_to_a_message(
    core: Tertulia,
    database: Database,
    ws: WorkspaceId,
    bruno: User,
    carla: User,
    general: ChannelId,
) -> None:
    """Carla has read up to m2: two messages are unread; her other devices hear of it."""
    m = await five(core, bruno, general)
    assert (await unread_in(core, carla, ws, general)).unread_messages == 5
    mark = await last_event_id(database)

    seq = await core.reading.mark_read(carla.id, general, up_to=m[2].id)

    assert seq == m[2].seq
    row = await unread_in(core, carla, ws, general)
    assert row.unread_messages == 2
    assert row.last_read_seq == m[2].seq
    assert row.latest_seq == m[4].seq
    event = only(await logged(database, after=mark), "channel.read")
    assert event.audience == (f"user:{carla.id}",)
    assert event.data == {"channel_id": general, "last_read_seq": m[2].seq}


async def test_marking_read_defaults_to_the_newest_message(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId
) -> None:
    """Marking #general read without saying where clears it."""
    m = await five(core, bruno, general)

    seq = await core.reading.mark_read(carla.id, general)

    assert seq == m[4].seq
    assert (await unread_in(core, carla, ws, general)).unread_messages == 0


async def test_marking_an_earlier_message_makes_the_rest_unread_again(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId
) -> None:
    """ "Mark unread from here": after reading everything, marking m0 leaves four unread."""
    m = await five(core, bruno, general)
    await core.reading.mark_read(carla.id, general)

    await core.reading.mark_read(carla.id, general, up_to=m[0].id)

    assert (await unread_in(core, carla, ws, general)).unread_messages == 4


async def test_unread_counts_leave_out_ones_own_and_deleted_messages(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId
) -> None:
    """Carla's own messages and those Bruno deleted are not waiting for her."""
    await say(core, bruno, general, "uno")
    gone = await say(core, bruno, general, "dos")
    await say(core, carla, general, "mío")
    root = await say(core, bruno, general, "tres")
    await reply(core, bruno, root, "en el hilo")  # not in the channel
    await core.posting.delete(bruno.id, gone.id)

    row = await unread_in(core, carla, ws, general)

    assert row.unread_messages == 2
    assert (await unread_in(core, bruno, ws, general)).unread_messages == 1


async def test_unread_mentions_are_counted_per_channel(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId, plaza: ChannelId
) -> None:
    """Two mentions and an @channel make three unread mentions in #general, until read."""
    await core.channels.add_member(carla.id, plaza, carla.id)
    await say(core, bruno, general, "@carla uno")
    await say(core, bruno, general, "nada")
    await say(core, bruno, general, "@carla dos")
    await say(core, bruno, general, "@channel tres")
    await say(core, bruno, plaza, "@carla en plaza")

    row = await unread_in(core, carla, ws, general)
    elsewhere = await unread_in(core, carla, ws, plaza)

    assert row.mentions == 3
    assert row.unread_messages == 4
    assert elsewhere.mentions == 1
    await core.reading.mark_read(carla.id, general)
    assert (await unread_in(core, carla, ws, general)).mentions == 0
    assert (await unread_in(core, carla, ws, plaza)).mentions == 1


async def test_a_muted_channel_counts_only_mentions(
    core: Tertulia,
    database: Database,
    ws: WorkspaceId,
    bruno: User,
    carla: User,
    general: ChannelId,
) -> None:
    """Carla mutes #general: it shows no unread messages but still her mention; unmuted, the
    messages count again."""
    mark = await last_event_id(database)
    await core.reading.mute(carla.id, general, muted=True)
    await core.reading.mute(carla.id, general, muted=True)
    await say(core, bruno, general, "charla")
    await say(core, bruno, general, "@carla esto sí")

    row = await unread_in(core, carla, ws, general)

    assert row.muted
    assert row.unread_messages == 0
    assert row.mentions == 1
    muted = [e for e in await logged(database, after=mark) if e.type == "channel.muted"]
    assert len(muted) == 1
    assert muted[0].audience == (f"user:{carla.id}",)
    await core.reading.mute(carla.id, general, muted=False)
    row = await unread_in(core, carla, ws, general)
    assert not row.muted
    assert row.unread_messages == 2


async def test_followed_threads_count_their_unread_replies(
    core: Tertulia,
    database: Database,
    ws: WorkspaceId,
    bruno: User,
    carla: User,
    general: ChannelId,
) -> None:
    """Carla follows a thread where Bruno wrote twice since her reply: it shows 2 unread
    replies until she reads the thread."""
    root = await say(core, bruno, general, "raíz")
    await reply(core, carla, root, "mía")
    await core.reading.mark_read(carla.id, general, thread_root_id=root.id)
    await reply(core, bruno, root, "uno")
    last = await reply(core, bruno, root, "dos")

    threads = (await core.reading.unreads(carla.id, ws)).threads

    assert [(t.root.id, t.unread_replies) for t in threads] == [(root.id, 2)]
    assert threads[0].latest_seq == last.seq
    mark = await last_event_id(database)
    seq = await core.reading.mark_read(carla.id, general, thread_root_id=root.id)
    assert seq == last.seq
    assert (await core.reading.unreads(carla.id, ws)).threads == []
    event = only(await logged(database, after=mark), "thread.read")
    assert event.audience == (f"user:{carla.id}",)
    assert event.data["root_id"] == root.id


async def test_reading_up_to_a_message_elsewhere_is_refused(
    core: Tertulia,
    database: Database,
    bruno: User,
    carla: User,
    general: ChannelId,
    plaza: ChannelId,
) -> None:
    """A marker in #general cannot point at a message of #plaza nor at a thread-only reply."""
    elsewhere = await say(core, bruno, plaza, "plaza")
    root = await say(core, bruno, general, "raíz")
    hidden = await reply(core, bruno, root, "solo en el hilo")
    mark = await last_event_id(database)

    for target in (elsewhere, hidden):
        with pytest.raises(NotFound) as caught:
            await core.reading.mark_read(carla.id, general, up_to=target.id)
        assert caught.value.code == "message.not_found"
    await nothing_logged(database, mark)


async def test_non_members_keep_no_read_marker(
    core: Tertulia, carla: User, bruno: User, plaza: ChannelId, secreto: ChannelId
) -> None:
    """Carla is not in #plaza (Forbidden) nor in the private channel (NotFound)."""
    await say(core, bruno, plaza, "hola")

    with pytest.raises(Forbidden):
        await core.reading.mark_read(carla.id, plaza)
    with pytest.raises(NotFound):
        await core.reading.mark_read(carla.id, secreto)
    with pytest.raises(Forbidden):
        await core.reading.mute(carla.id, plaza, muted=True)


async def test_unreads_are_for_workspace_members_only(
    core: Tertulia, olga: User, ws: WorkspaceId
) -> None:
    """Someone outside the workspace asking for its unreads gets NotFound."""
    with pytest.raises(NotFound):
        await core.reading.unreads(olga.id, ws)
    with pytest.raises(NotFound):
        await core.threads.followed(olga.id, ws, None, 50)
