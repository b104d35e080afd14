"""Mentions as their people see them: whom a message notifies (a member named, everyone for
@channel, nobody for @here yet, nor oneself, nor a name in code or in a link), whom it names
without notifying (the answer says so), and how names render, also for a guest, who learns
nothing of people outside its channels."""

from __future__ import annotations

import pytest

from tertulia.adapters.sql.database import Database
from tertulia.domain.ids import ChannelId, WorkspaceId
from tertulia.domain.users import User
from tertulia.domain.workspaces import Role
from tertulia.usecases.core import Tertulia
from tests.usecases.talk import inbox, only, post, say
from tests.usecases.teams import enrol, last_event_id, logged, person


async def test_mentioning_a_member_notifies_them(
    core: Tertulia, database: Database, bruno: User, carla: User, ana: User, general: ChannelId
) -> None:
    """Bruno writes "@carla": Carla gets a mention notification, privately; Ana gets nothing."""
    mark = await last_event_id(database)

    posted = await post(core, bruno, general, "@Carla ¿revisas esto?")

    message = posted.view.message
    assert message.mentioned == (carla.id,)
    assert posted.not_notified == ()
    assert f'data-user-id="{carla.id}"' in message.html
    assert await inbox(core, carla) == [("@Carla ¿revisas esto?", "mention")]
    assert await inbox(core, ana) == []
    event = only(await logged(database, after=mark), "notification.created")
    assert event.audience == (f"user:{carla.id}",)
    assert event.data["message_id"] == message.id
    assert event.data["kind"] == "mention"
    assert event.data["author_id"] == bruno.id


async def test_mentioning_someone_outside_the_channel_notifies_nobody(
    core: Tertulia, bruno: User, carla: User, olga: User, plaza: ChannelId
) -> None:
    """In #plaza, "@carla" (in the workspace, not the channel), "@olga" (outside it) and
    "@nadie" (no such person) notify nobody, and the answer names them. Carla's name still
    shows as hers; the others stay plain text."""
    posted = await post(core, bruno, plaza, "@carla @olga @nadie hola")

    assert posted.not_notified == ("carla", "olga", "nadie")
    assert posted.view.message.mentioned == ()
    assert await inbox(core, carla) == []
    assert await inbox(core, olga) == []
    assert posted.view.message.html.count("data-user-id") == 1
    assert f'data-user-id="{carla.id}"' in posted.view.message.html
    assert f'data-user-id="{olga.id}"' not in posted.view.message.html


async def test_mentioning_oneself_notifies_nobody(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """Bruno naming himself gets no notification, and is not reported as not notified."""
    posted = await post(core, bruno, general, "nota para @bruno")

    assert posted.not_notified == ()
    assert await inbox(core, bruno) == []


@pytest.mark.parametrize("word", ["@channel", "@all", "@everyone"])
async def test_calling_the_channel_notifies_every_member_but_the_author(
    core: Tertulia,
    database: Database,
    ana: User,
    bruno: User,
    carla: User,
    olga: User,
    general: ChannelId,
    word: str,
) -> None:
    """@channel (or @all) notifies each member of #general but Bruno who wrote it."""
    mark = await last_event_id(database)

    message = await say(core, bruno, general, f"{word} reunión a las 10")

    assert message.mentions_everyone
    assert await inbox(core, ana) == [(f"{word} reunión a las 10", "everyone")]
    assert await inbox(core, carla) == [(f"{word} reunión a las 10", "everyone")]
    assert await inbox(core, bruno) == []
    assert await inbox(core, olga) == []
    event = only(await logged(database, after=mark), "notification.created")
    assert sorted(event.audience) == sorted([f"user:{ana.id}", f"user:{carla.id}"])
    assert event.data["kind"] == "everyone"


async def test_calling_here_notifies_nobody_yet(
    core: Tertulia, database: Database, bruno: User, carla: User, general: ChannelId
) -> None:
    """Until presence exists nobody is online, so @here notifies nobody."""
    mark = await last_event_id(database)

    message = await say(core, bruno, general, "@here ¿alguien?")

    assert message.mentions_here
    assert not message.mentions_everyone
    assert await inbox(core, carla) == []
    assert [e.type for e in await logged(database, after=mark)] == ["message.created"]


async def test_names_in_code_notify_nobody(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """ "`@carla`" in code is an example, not a call: Carla is not notified."""
    posted = await post(core, bruno, general, "escribe `@carla` o\n\n```\n@channel\n```")

    assert posted.view.message.mentioned == ()
    assert not posted.view.message.mentions_everyone
    assert await inbox(core, carla) == []


async def test_a_username_ending_in_an_underscore_can_be_mentioned(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, general: ChannelId
) -> None:
    """Usernames may end in "_" or ".", so "@jose_" must reach the member called jose_."""
    jose = await person(core, "jose_")
    await enrol(core, ws, ana, jose)

    posted = await post(core, bruno, general, "@jose_ hola")

    assert posted.not_notified == ()
    assert posted.view.message.mentioned == (jose.id,)
    assert await inbox(core, jose) == [("@jose_ hola", "mention")]


async def test_a_guest_cannot_probe_names_through_mentions(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, plaza: ChannelId, general: ChannelId
) -> None:
    """A guest naming people and channels outside its own learns nothing: they stay plain
    text, unlinked, like names that do not exist."""
    gina = await person(core, "gina")
    await enrol(core, ws, ana, gina, Role.GUEST, [plaza])
    posted = await post(core, gina, plaza, "hola @ana @bruno @nadie #general #plaza")
    html = posted.view.message.html
    assert ana.id not in html
    assert str(general) not in html
    assert f'data-user-id="{bruno.id}"' in html  # Bruno is in #plaza with her
    assert f'data-channel-id="{plaza}"' in html
    assert set(posted.not_notified) == {"ana", "nadie"}


async def test_a_name_inside_a_link_mentions_nobody(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """A link such as https://medium.com/@carla/post is a link, not a ping for Carla."""
    posted = await post(core, bruno, general, "lee https://medium.com/@carla/post")
    assert posted.view.message.mentioned == ()
    assert await inbox(core, carla) == []
