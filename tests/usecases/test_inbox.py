"""The notifications inbox as its people see it: mentions newest first a page at a time, in
the order of their messages, marked read some or all, only one's own, and none from channels
one has left."""

from __future__ import annotations

import time

import pytest

from tertulia.adapters.sql.database import Database
from tertulia.domain.ids import ChannelId, MessageId, new_id
from tertulia.domain.users import User
from tertulia.usecases.core import Tertulia
from tertulia.usecases.messaging import posting
from tests.conftest import Clock
from tests.usecases.talk import inbox, nothing_logged, only, say
from tests.usecases.teams import last_event_id, logged


async def test_the_inbox_lists_newest_first_a_page_at_a_time(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """Carla's mentions come newest first, two per page, then the rest."""
    for i in range(3):
        await say(core, bruno, general, f"@carla {i}")

    first = await core.inbox.notifications(carla.id, None, 2, unread_only=False)
    assert first.next_cursor is not None
    cursor = MessageId(first.next_cursor)
    second = await core.inbox.notifications(carla.id, cursor, 2, unread_only=False)

    assert [i.view.message.text for i in first.items] == ["@carla 2", "@carla 1"]
    assert [i.view.message.text for i in second.items] == ["@carla 0"]
    assert second.next_cursor is None
    assert all(i.notification.read_at is None for i in first.items)
    assert {i.notification.channel_id for i in first.items} == {general}


async def test_the_inbox_keeps_the_order_of_quick_mentions(
    core: Tertulia, bruno: User, carla: User, general: ChannelId, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forty mentions that all land in the same millisecond (as they do on a busy server) are
    listed exactly newest first."""
    one_millisecond = int(time.time() * 1000)
    monkeypatch.setattr(posting, "new_id", lambda: new_id(one_millisecond))
    sent = [await say(core, bruno, general, f"@carla {i}") for i in range(40)]

    listed = [text for text, _ in await inbox(core, carla)]

    assert listed == [m.text for m in reversed(sent)]


async def test_a_mention_added_by_an_edit_takes_the_messages_place_in_the_inbox(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """Bruno edits an older message to mention Carla: it shows between the mentions sent
    before and after it, on the page where its place falls."""
    await say(core, bruno, general, "@carla a")
    older = await say(core, bruno, general, "hola")
    await say(core, bruno, general, "@carla c")

    await core.posting.edit(bruno.id, older.id, "@carla hola", older.version)

    assert [text for text, _ in await inbox(core, carla)] == ["@carla c", "@carla hola", "@carla a"]
    first = await core.inbox.notifications(carla.id, None, 1, unread_only=False)
    assert first.next_cursor is not None
    second = await core.inbox.notifications(
        carla.id, MessageId(first.next_cursor), 1, unread_only=False
    )
    assert [i.view.message.text for i in second.items] == ["@carla hola"]


async def test_notifications_are_marked_read_some_or_all(
    core: Tertulia, database: Database, clock: Clock, bruno: User, carla: User, general: ChannelId
) -> None:
    """Carla reads one mention, then all: unread_only lists what is left; marking again
    changes nothing."""
    messages = [await say(core, bruno, general, f"@carla {i}") for i in range(3)]
    mark = await last_event_id(database)

    assert await core.inbox.read_notifications(carla.id, [messages[0].id]) == 1

    assert await inbox(core, carla, unread_only=True) == [
        ("@carla 2", "mention"),
        ("@carla 1", "mention"),
    ]
    page = await core.inbox.notifications(carla.id, None, 50, unread_only=False)
    assert [i.notification.read_at for i in page.items] == [None, None, clock.now]
    event = only(await logged(database, after=mark), "notification.read")
    assert event.audience == (f"user:{carla.id}",)
    assert event.data["message_ids"] == [messages[0].id]

    assert await core.inbox.read_notifications(carla.id, None) == 2
    assert await inbox(core, carla, unread_only=True) == []
    assert len(await inbox(core, carla)) == 3
    mark = await last_event_id(database)
    assert await core.inbox.read_notifications(carla.id, None) == 0
    await nothing_logged(database, mark)


async def test_one_cannot_mark_someone_elses_notifications(
    core: Tertulia, bruno: User, carla: User, ana: User, general: ChannelId
) -> None:
    """Ana marking Carla's notification read changes nothing for Carla."""
    message = await say(core, bruno, general, "@carla hola")

    assert await core.inbox.read_notifications(ana.id, [message.id]) == 0
    assert await inbox(core, carla, unread_only=True) == [("@carla hola", "mention")]


async def test_notifications_of_channels_one_left_are_not_listed(
    core: Tertulia, bruno: User, carla: User, plaza: ChannelId
) -> None:
    """After Carla leaves #plaza, its mentions of her no longer show in her inbox."""
    await core.channels.add_member(carla.id, plaza, carla.id)
    await say(core, bruno, plaza, "@carla mira")
    assert len(await inbox(core, carla)) == 1

    await core.channels.remove_member(carla.id, plaza, carla.id)

    assert await inbox(core, carla) == []
