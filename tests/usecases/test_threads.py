"""Threads as their people see them: a root's summary of its replies, replies read a page at
a time, one level deep; who follows a thread (repliers, the root's author, those named in it)
or stops following it by hand, and the threads view, unread threads first."""

from __future__ import annotations

import pytest

from tertulia.adapters.sql.database import Database
from tertulia.domain.errors import Forbidden, Invalid, NotFound
from tertulia.domain.ids import ChannelId, MessageId, WorkspaceId
from tertulia.domain.users import User
from tertulia.usecases.core import Tertulia
from tests.conftest import Clock
from tests.usecases.talk import current, inbox, nothing_logged, only, reply, say
from tests.usecases.teams import last_event_id, logged

# helpers ---------------------------------------------------------------------------------------


async def followed(core: Tertulia, user: User, ws: WorkspaceId) -> list[MessageId]:
    """The roots of the threads someone follows, in the order the threads view lists them."""
    page = await core.threads.followed(user.id, ws, None, 200)
    return [row.root.id for row, _ in page.items]


# threads ---------------------------------------------------------------------------------------


async def test_a_root_shows_its_thread_summary(
    core: Tertulia,
    database: Database,
    clock: Clock,
    ana: User,
    bruno: User,
    carla: User,
    general: ChannelId,
) -> None:
    """Under Bruno's message: how many replies, when the last came, and who took part (first
    repliers first, each once)."""
    root = await say(core, bruno, general, "¿pizza o tacos?")
    clock.advance(minutes=1)
    await reply(core, carla, root, "pizza")
    clock.advance(minutes=1)
    mark = await last_event_id(database)
    await reply(core, ana, root, "tacos")
    clock.advance(minutes=1)
    await reply(core, carla, root, "pizza, he dicho")

    seen = await current(core, bruno, root)
    assert seen.reply_count == 3
    assert seen.last_reply_at == clock.now
    assert seen.participants == (carla.id, ana.id)
    page = await core.history.page(bruno.id, general)
    assert page.items[0].message.reply_count == 3
    events = await logged(database, after=mark)
    assert [e.type for e in events] == [
        "message.created",
        "thread.updated",
        "message.created",
        "thread.updated",
    ]
    assert events[1].audience == (f"ch:{general}",)
    assert events[1].data["root_id"] == root.id
    assert events[1].data["reply_count"] == 2
    assert events[0].data["thread_root_id"] == root.id


async def test_replies_are_read_from_the_start_with_cursors(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """A thread opens at its first reply; after and before page through it."""
    root = await say(core, bruno, general, "raíz")
    r = [await reply(core, carla, root, f"r{i}") for i in range(5)]

    start = await core.threads.replies(bruno.id, root.id, limit=2)
    onward = await core.threads.replies(bruno.id, root.id, after=r[1].id, limit=2)
    back = await core.threads.replies(bruno.id, root.id, before=r[2].id, limit=5)
    end = await core.threads.replies(bruno.id, root.id, after=r[2].id, limit=5)

    assert [v.message.text for v in start.items] == ["r0", "r1"]
    assert not start.has_older
    assert start.has_newer
    assert [v.message.text for v in onward.items] == ["r2", "r3"]
    assert onward.has_older
    assert onward.has_newer
    assert [v.message.text for v in back.items] == ["r0", "r1"]
    assert not back.has_older
    assert back.has_newer
    assert [v.message.text for v in end.items] == ["r3", "r4"]
    assert not end.has_newer


async def test_a_cursor_from_another_thread_is_refused(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """A reply of one thread, or a channel message, cannot anchor a page of another thread."""
    one = await say(core, bruno, general, "uno")
    two = await say(core, bruno, general, "dos")
    elsewhere = await reply(core, carla, two, "en el otro hilo")
    await reply(core, carla, one, "aquí")

    for cursor in (elsewhere.id, two.id):
        with pytest.raises(Invalid) as caught:
            await core.threads.replies(bruno.id, one.id, after=cursor)
        assert caught.value.code == "cursor.invalid"


async def test_threads_are_one_level_deep(
    core: Tertulia, database: Database, bruno: User, carla: User, general: ChannelId
) -> None:
    """Replying to a reply gives Invalid message.nested_thread; a reply has no thread to list."""
    root = await say(core, bruno, general, "raíz")
    answer = await reply(core, carla, root, "respuesta")
    mark = await last_event_id(database)

    with pytest.raises(Invalid) as caught:
        await say(core, bruno, general, "¿anidado?", thread_root_id=answer.id)

    assert caught.value.code == "message.nested_thread"
    assert [e.field for e in caught.value.errors] == ["thread_root_id"]
    with pytest.raises(NotFound) as not_found:
        await core.threads.replies(bruno.id, answer.id)
    assert not_found.value.code == "thread.not_found"
    await nothing_logged(database, mark)


async def test_a_reply_goes_to_a_root_of_the_same_channel(
    core: Tertulia, bruno: User, general: ChannelId, plaza: ChannelId
) -> None:
    """Replying in #general to a message of #plaza gives NotFound message.not_found."""
    root = await say(core, bruno, plaza, "en plaza")

    with pytest.raises(NotFound) as caught:
        await say(core, bruno, general, "respuesta", thread_root_id=root.id)

    assert caught.value.code == "message.not_found"


async def test_repliers_and_the_root_author_follow_the_thread(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User, general: ChannelId
) -> None:
    """Once Carla replies, she and Bruno (who started it) follow the thread; Ana, who only
    watched, does not."""
    root = await say(core, bruno, general, "raíz")
    assert await followed(core, bruno, ws) == []

    await reply(core, carla, root, "respuesta")

    assert await followed(core, bruno, ws) == [root.id]
    assert await followed(core, carla, ws) == [root.id]
    assert await followed(core, ana, ws) == []


async def test_people_mentioned_in_a_thread_follow_it(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User, general: ChannelId
) -> None:
    """Carla names Ana in a reply: Ana is notified and now follows the thread."""
    root = await say(core, bruno, general, "raíz")

    await reply(core, carla, root, "@ana ¿qué opinas?")

    assert await followed(core, ana, ws) == [root.id]
    assert await inbox(core, ana) == [("@ana ¿qué opinas?", "mention")]


async def test_people_named_in_a_threads_first_message_follow_it(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User, general: ChannelId
) -> None:
    """Bruno asks "@ana ¿qué opinas?" and Carla answers in the thread: Ana, who was asked, follows
    the conversation just as Bruno, who asked, does."""
    root = await say(core, bruno, general, "@ana ¿qué opinas?")

    await reply(core, carla, root, "yo digo que sí")

    assert await followed(core, bruno, ws) == [root.id]
    assert await followed(core, ana, ws) == [root.id]


async def test_reading_a_thread_then_replying_follows_it(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId
) -> None:
    """Carla opens a thread (marking it read) and then replies: she follows it, as anyone who
    replies does; reading is no choice about following."""
    root = await say(core, bruno, general, "raíz")
    await reply(core, bruno, root, "uno")
    await core.reading.mark_read(carla.id, general, thread_root_id=root.id)

    await reply(core, carla, root, "dos")

    assert await followed(core, carla, ws) == [root.id]


async def test_unfollowing_by_hand_sticks(
    core: Tertulia,
    database: Database,
    ws: WorkspaceId,
    bruno: User,
    carla: User,
    general: ChannelId,
) -> None:
    """Carla unfollows a thread she replied to; replying again, or being named in it, does not
    make her follow it again."""
    root = await say(core, bruno, general, "raíz")
    await reply(core, carla, root, "uno")
    mark = await last_event_id(database)

    await core.threads.follow(carla.id, root.id, following=False)
    await reply(core, carla, root, "dos")
    await reply(core, bruno, root, "@carla ¿sigues ahí?")

    assert await followed(core, carla, ws) == []
    event = only(await logged(database, after=mark), "thread.unfollowed")
    assert event.audience == (f"user:{carla.id}",)
    assert event.data["root_id"] == root.id


async def test_following_by_hand(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User, general: ChannelId
) -> None:
    """Ana follows a thread she has not taken part in; it shows in her threads view."""
    root = await say(core, bruno, general, "raíz")
    mark = await last_event_id(database)

    await core.threads.follow(ana.id, root.id, following=True)

    assert await followed(core, ana, ws) == [root.id]
    event = only(await logged(database, after=mark), "thread.followed")
    assert event.audience == (f"user:{ana.id}",)


async def test_non_members_cannot_follow_threads(
    core: Tertulia, carla: User, bruno: User, plaza: ChannelId, secreto: ChannelId
) -> None:
    """Carla cannot follow a thread of #plaza (Forbidden) nor of a private channel (NotFound)."""
    public_root = await say(core, bruno, plaza, "raíz")
    private_root = await say(core, bruno, secreto, "raíz")

    with pytest.raises(Forbidden):
        await core.threads.follow(carla.id, public_root.id, following=True)
    with pytest.raises(NotFound):
        await core.threads.follow(carla.id, private_root.id, following=True)
    with pytest.raises(NotFound):
        await core.threads.replies(carla.id, private_root.id)


async def test_the_threads_view_lists_unread_threads_first(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId
) -> None:
    """Of Carla's threads, one with replies she has not read comes before a busier one she has
    read, whatever their age; among read ones, the latest activity first."""
    old = await say(core, bruno, general, "viejo")
    new = await say(core, bruno, general, "nuevo")
    quiet = await say(core, bruno, general, "tranquilo")
    await reply(core, carla, quiet, "q1")
    await reply(core, carla, old, "o1")
    await reply(core, bruno, old, "o2: para ti")  # unread for Carla
    await reply(core, carla, new, "n1")
    await reply(core, bruno, new, "n2")
    await core.reading.mark_read(carla.id, general, thread_root_id=new.id)
    await core.reading.mark_read(carla.id, general, thread_root_id=quiet.id)

    page = await core.threads.followed(carla.id, ws, None, 50)

    assert [row.root.id for row, _ in page.items] == [old.id, new.id, quiet.id]
    assert [row.unread_replies for row, _ in page.items] == [1, 0, 0]
    assert page.next_cursor is None


async def test_the_threads_view_pages_with_a_cursor(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId
) -> None:
    """Three followed threads read one per page come in the same order as on one page."""
    roots = [await say(core, bruno, general, f"t{i}") for i in range(3)]
    for root in roots:
        await reply(core, carla, root, "sí")

    whole = await followed(core, bruno, ws)
    seen: list[MessageId] = []
    cursor = None
    while True:
        page = await core.threads.followed(bruno.id, ws, cursor, 1)
        seen.extend(row.root.id for row, _ in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break

    assert seen == whole
    assert sorted(seen) == sorted(r.id for r in roots)
