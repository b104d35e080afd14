"""Reading history as its people see it: a channel a page at a time (the latest, scrolling
back, reading on, jumping to a message), cursors that must belong to the channel, thread
replies kept out of it unless also sent, who may read what, and a message's earlier versions."""

from __future__ import annotations

import asyncio

import pytest

from tertulia.adapters.sql.database import Database
from tertulia.domain.errors import Invalid, NotFound
from tertulia.domain.ids import ChannelId, MessageId
from tertulia.domain.users import User
from tertulia.usecases import pages
from tertulia.usecases.core import Tertulia
from tests.usecases.talk import five, reply, say, texts
from tests.usecases.teams import logged

# history ---------------------------------------------------------------------------------------


async def test_history_shows_the_latest_page_oldest_first(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """Opening a channel shows its newest messages, in reading order, and that more lie above."""
    await five(core, bruno, general)

    page = await core.history.page(carla.id, general, limit=3)

    assert [v.message.text for v in page.items] == ["m2", "m3", "m4"]
    assert page.has_older
    assert not page.has_newer


async def test_a_short_channel_fits_in_one_page(
    core: Tertulia, bruno: User, general: ChannelId, plaza: ChannelId
) -> None:
    """A channel with fewer messages than the page has nothing above or below; an empty one,
    nothing at all."""
    await five(core, bruno, general)

    page = await core.history.page(bruno.id, general)
    empty = await core.history.page(bruno.id, plaza)

    assert [v.message.text for v in page.items] == ["m0", "m1", "m2", "m3", "m4"]
    assert not page.has_older
    assert not page.has_newer
    assert empty.items == []
    assert not empty.has_older
    assert not empty.has_newer


async def test_scrolling_back_with_before(core: Tertulia, bruno: User, general: ChannelId) -> None:
    """Scrolling up from m2 shows m0 and m1, with nothing older and newer ones below."""
    m = await five(core, bruno, general)

    page = await core.history.page(bruno.id, general, before=m[2].id, limit=2)
    top = await core.history.page(bruno.id, general, before=m[3].id, limit=2)

    assert [v.message.text for v in page.items] == ["m0", "m1"]
    assert not page.has_older
    assert page.has_newer
    assert [v.message.text for v in top.items] == ["m1", "m2"]
    assert top.has_older
    assert top.has_newer


async def test_reading_forward_with_after(core: Tertulia, bruno: User, general: ChannelId) -> None:
    """Reading on from m1 shows m2 and m3, with m4 still below; from m2, the last ones."""
    m = await five(core, bruno, general)

    page = await core.history.page(bruno.id, general, after=m[1].id, limit=2)
    end = await core.history.page(bruno.id, general, after=m[2].id, limit=2)

    assert [v.message.text for v in page.items] == ["m2", "m3"]
    assert page.has_older
    assert page.has_newer
    assert [v.message.text for v in end.items] == ["m3", "m4"]
    assert end.has_older
    assert not end.has_newer


async def test_jumping_to_a_message_shows_it_with_its_neighbours(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """Jumping to m2 (a search hit) shows m1, m2 and m3; near either end, what there is."""
    m = await five(core, bruno, general)

    middle = await core.history.page(bruno.id, general, around=m[2].id, limit=3)
    first = await core.history.page(bruno.id, general, around=m[0].id, limit=3)
    last = await core.history.page(bruno.id, general, around=m[4].id, limit=3)
    everything = await core.history.page(bruno.id, general, around=m[2].id, limit=50)

    assert [v.message.text for v in middle.items] == ["m1", "m2", "m3"]
    assert middle.has_older
    assert middle.has_newer
    assert [v.message.text for v in first.items] == ["m0", "m1"]
    assert not first.has_older
    assert first.has_newer
    assert [v.message.text for v in last.items] == ["m3", "m4"]
    assert last.has_older
    assert not last.has_newer
    assert [v.message.text for v in everything.items] == ["m0", "m1", "m2", "m3", "m4"]
    assert not everything.has_older
    assert not everything.has_newer


async def test_jumping_with_a_page_of_one_shows_just_the_message(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """A page of one around m2 is m2 alone, with messages on both sides."""
    m = await five(core, bruno, general)

    page = await core.history.page(bruno.id, general, around=m[2].id, limit=1)

    assert [v.message.text for v in page.items] == ["m2"]
    assert page.has_older
    assert page.has_newer


async def test_pages_chain_without_gaps_or_repeats(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """Scrolling up page by page from the latest reads every message exactly once."""
    sent = [await say(core, bruno, general, f"n{i}") for i in range(7)]
    seen: list[str] = []
    page = await core.history.page(bruno.id, general, limit=3)
    seen = [v.message.text for v in page.items]
    while page.has_older:
        page = await core.history.page(bruno.id, general, before=page.items[0].message.id, limit=3)
        seen = [v.message.text for v in page.items] + seen

    assert seen == [m.text for m in sent]


@pytest.mark.parametrize("limit", [0, -1, 201])
async def test_a_page_has_1_to_200_messages(
    core: Tertulia, bruno: User, general: ChannelId, limit: int
) -> None:
    """Asking for no messages or more than 200 gives Invalid limit.out_of_range."""
    with pytest.raises(Invalid) as caught:
        await core.history.page(bruno.id, general, limit=limit)

    assert caught.value.code == "limit.out_of_range"


async def test_a_page_of_200_is_allowed(core: Tertulia, bruno: User, general: ChannelId) -> None:
    """200 is the largest page."""
    await say(core, bruno, general, "uno")

    page = await core.history.page(bruno.id, general, limit=200)

    assert len(page.items) == 1


@pytest.mark.parametrize("cursor", ["before", "after", "around"])
async def test_a_cursor_from_another_channel_is_refused(
    core: Tertulia, bruno: User, general: ChannelId, plaza: ChannelId, cursor: str
) -> None:
    """A message of #plaza cannot anchor a page of #general: Invalid cursor.invalid."""
    elsewhere = await say(core, bruno, plaza, "en plaza")
    await say(core, bruno, general, "en general")

    with pytest.raises(Invalid) as caught:
        await core.history.page(bruno.id, general, **{cursor: elsewhere.id})  # type: ignore[arg-type]

    assert caught.value.code == "cursor.invalid"
    assert [e.field for e in caught.value.errors] == [cursor]


async def test_a_cursor_naming_no_message_is_refused(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """An unknown message id as cursor gives Invalid cursor.invalid."""
    with pytest.raises(Invalid) as caught:
        await core.history.page(bruno.id, general, before=MessageId("01J00000000000000000000000"))

    assert caught.value.code == "cursor.invalid"


async def test_only_one_cursor_at_a_time(core: Tertulia, bruno: User, general: ChannelId) -> None:
    """Giving both before and after gives Invalid cursor.conflict."""
    m = await five(core, bruno, general)

    with pytest.raises(Invalid) as caught:
        await core.history.page(bruno.id, general, before=m[3].id, after=m[1].id)

    assert caught.value.code == "cursor.conflict"


async def test_thread_replies_stay_out_of_the_channel_unless_also_sent(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """A reply shows in its thread only; one "also sent to the channel" shows in both."""
    root = await say(core, bruno, general, "raíz")
    quiet = await reply(core, carla, root, "solo en el hilo")
    loud = await reply(core, carla, root, "también en el canal", also_send_to_channel=True)

    assert await texts(core, bruno, general) == ["raíz", "también en el canal"]
    assert not quiet.in_channel
    assert loud.in_channel
    assert loud.thread_root_id == root.id
    thread = await core.threads.replies(bruno.id, root.id)
    assert [v.message.text for v in thread.items] == ["solo en el hilo", "también en el canal"]
    with pytest.raises(Invalid) as caught:
        await core.history.page(bruno.id, general, before=quiet.id)
    assert caught.value.code == "cursor.invalid"


async def test_places_follow_commit_order(
    core: Tertulia, database: Database, bruno: User, carla: User, general: ChannelId
) -> None:
    """Each message's place (seq) is the id of its message.created event, and grows with each
    message committed, also when people post at once."""
    await asyncio.gather(
        *(say(core, p, general, f"{p.username}{i}") for i in range(4) for p in (bruno, carla))
    )

    page = await core.history.page(bruno.id, general)
    seqs = [v.message.seq for v in page.items]
    created = await logged(database, "message.created")

    assert len(seqs) == 8
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 8
    assert [e.id for e in created] == seqs
    assert [e.data["id"] for e in created] == [v.message.id for v in page.items]


async def test_full_members_read_public_channels_they_are_not_in(
    core: Tertulia, bruno: User, carla: User, olga: User, plaza: ChannelId, secreto: ChannelId
) -> None:
    """Carla may read #plaza before joining; she cannot read a private channel, nor can someone
    from outside the workspace read either."""
    await say(core, bruno, plaza, "bienvenidos")
    await say(core, bruno, secreto, "entre nosotros")

    assert await texts(core, carla, plaza) == ["bienvenidos"]
    for reader, channel in ((carla, secreto), (olga, plaza), (olga, secreto)):
        with pytest.raises(NotFound) as caught:
            await core.history.page(reader.id, channel)
        assert caught.value.code == "channel.not_found"


async def test_a_message_of_a_channel_one_cannot_see_is_not_found(
    core: Tertulia, bruno: User, carla: User, secreto: ChannelId
) -> None:
    """Carla asking for a message of a private channel she is not in gets NotFound."""
    message = await say(core, bruno, secreto, "privado")

    with pytest.raises(NotFound) as caught:
        await core.history.get(carla.id, message.id)

    assert caught.value.code == "message.not_found"
    with pytest.raises(NotFound):
        await core.history.edits(carla.id, message.id)


# edits -----------------------------------------------------------------------------------------


async def test_a_long_edit_history_comes_a_page_at_a_time(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """Five earlier versions, two per page: 1 and 2, 3 and 4, then 5 with no further cursor."""
    message = await say(core, bruno, general, "v1")
    for version in range(1, 6):
        await core.posting.edit(bruno.id, message.id, f"v{version + 1}", version)

    seen, cursor = [], None
    for _ in range(3):
        page = await core.history.edits(carla.id, message.id, cursor, 2)
        seen.append([e.text for e in page.items])
        cursor = page.next_cursor

    assert seen == [["v1", "v2"], ["v3", "v4"], ["v5"]]
    assert cursor is None


@pytest.mark.parametrize("cursor", [pages.encode("-1"), pages.encode(str(2**63)), "%%"])
async def test_a_forged_edits_cursor_is_refused(
    core: Tertulia, bruno: User, general: ChannelId, cursor: str
) -> None:
    """An edits cursor the server did not make is Invalid naming `after`."""
    message = await say(core, bruno, general, "v1")

    with pytest.raises(Invalid) as caught:
        await core.history.edits(bruno.id, message.id, cursor, 2)

    assert caught.value.code == "cursor.invalid"
