"""Editing as its people see it: only the author changes their words, the earlier versions
are kept, an edit from a stale version gets the current message, and mentions added or edited
away notify, or stop notifying, exactly the people concerned."""

from __future__ import annotations

import pytest

from tertulia.adapters.sql.database import Database
from tertulia.domain.channels import ChannelChange
from tertulia.domain.errors import Conflict, Forbidden, Invalid
from tertulia.domain.ids import ChannelId, WorkspaceId
from tertulia.domain.messages import StaleVersion
from tertulia.domain.users import User
from tertulia.usecases.core import Tertulia
from tests.conftest import Clock
from tests.usecases.talk import current, inbox, nothing_logged, only, say, texts, unread_in
from tests.usecases.teams import enrol, last_event_id, logged, person

# people ----------------------------------------------------------------------------------------


@pytest.fixture
async def dani(core: Tertulia, ws: WorkspaceId, ana: User) -> User:
    """A third member, in #general."""
    user = await person(core, "dani")
    await enrol(core, ws, ana, user)
    return user


# editing ---------------------------------------------------------------------------------------


async def test_the_author_edits_and_the_history_is_kept(
    core: Tertulia, database: Database, clock: Clock, bruno: User, carla: User, general: ChannelId
) -> None:
    """Bruno fixes his message twice: it shows the new text, when it was edited and its
    version; the earlier texts are listed oldest first."""
    message = await say(core, bruno, general, "hola mundo")
    posted_at = clock.now
    clock.advance(minutes=1)
    first_edit_at = clock.now
    mark = await last_event_id(database)

    edited = (await core.posting.edit(bruno.id, message.id, "hola **equipo**", 1)).view.message

    assert edited.text == "hola **equipo**"
    assert "<strong>equipo</strong>" in edited.html
    assert edited.version == 2
    assert edited.edited_at == first_edit_at
    assert edited.created_at == posted_at
    assert edited.seq == message.seq
    event = only(await logged(database, after=mark), "message.updated")
    assert event.audience == (f"ch:{general}",)
    assert event.data["text"] == "hola **equipo**"
    assert event.data["version"] == 2

    clock.advance(minutes=1)
    await core.posting.edit(bruno.id, message.id, "adiós", 2)

    seen = await current(core, carla, message)
    assert seen.text == "adiós"
    assert seen.version == 3
    assert seen.edited_at == clock.now
    edits = (await core.history.edits(carla.id, message.id)).items
    assert [(e.version, e.text, e.written_at) for e in edits] == [
        (1, "hola mundo", posted_at),
        (2, "hola **equipo**", first_edit_at),
    ]
    assert await texts(core, carla, general) == ["adiós"]


async def test_only_the_author_edits(
    core: Tertulia, database: Database, ana: User, bruno: User, general: ChannelId
) -> None:
    """Not even the workspace owner may edit Bruno's words: Forbidden message.not_author."""
    message = await say(core, bruno, general, "mío")
    mark = await last_event_id(database)

    with pytest.raises(Forbidden) as caught:
        await core.posting.edit(ana.id, message.id, "tuyo", 1)

    assert caught.value.code == "message.not_author"
    assert (await current(core, bruno, message)).text == "mío"
    await nothing_logged(database, mark)


async def test_an_edit_of_a_stale_version_gets_the_current_message(
    core: Tertulia, database: Database, bruno: User, general: ChannelId
) -> None:
    """Bruno edits from two devices: the second, based on version 1, gets StaleVersion carrying
    the current text and version, and changes nothing."""
    message = await say(core, bruno, general, "v1")
    await core.posting.edit(bruno.id, message.id, "v2 desde el móvil", 1)
    mark = await last_event_id(database)

    with pytest.raises(StaleVersion) as caught:
        await core.posting.edit(bruno.id, message.id, "v2 desde el portátil", 1)

    assert isinstance(caught.value, Conflict)
    assert caught.value.code == "message.stale_version"
    assert caught.value.current.text == "v2 desde el móvil"
    assert caught.value.current.version == 2
    assert (await current(core, bruno, message)).text == "v2 desde el móvil"
    await nothing_logged(database, mark)


async def test_an_edit_in_an_archived_channel_is_refused(
    core: Tertulia, bruno: User, plaza: ChannelId
) -> None:
    """Archived channels are read-only: an edit gives Conflict channel.archived."""
    message = await say(core, bruno, plaza, "antes")
    await core.channels.change(bruno.id, plaza, ChannelChange(archived=True))

    with pytest.raises(Conflict) as caught:
        await core.posting.edit(bruno.id, message.id, "después", 1)

    assert caught.value.code == "channel.archived"


async def test_an_edit_to_nothing_is_refused(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """Editing a message to blanks gives Invalid message.empty (delete it instead)."""
    message = await say(core, bruno, general, "algo")

    with pytest.raises(Invalid) as caught:
        await core.posting.edit(bruno.id, message.id, "   ", 1)

    assert caught.value.code == "message.empty"


async def test_editing_to_add_a_mention_notifies_only_the_newly_mentioned(
    core: Tertulia,
    database: Database,
    bruno: User,
    carla: User,
    dani: User,
    general: ChannelId,
) -> None:
    """Bruno adds @dani to a message that named Carla: Dani is notified; Carla is not again."""
    message = await say(core, bruno, general, "@carla mira esto")
    mark = await last_event_id(database)

    edited = await core.posting.edit(bruno.id, message.id, "@carla @dani mira esto", 1)

    assert set(edited.view.message.mentioned) == {carla.id, dani.id}
    assert await inbox(core, dani) == [("@carla @dani mira esto", "mention")]
    assert await inbox(core, carla) == [("@carla @dani mira esto", "mention")]
    created = only(await logged(database, after=mark), "notification.created")
    assert created.audience == (f"user:{dani.id}",)
    assert created.data["kind"] == "mention"


async def test_editing_to_add_channel_does_not_notify_the_already_mentioned_again(
    core: Tertulia,
    database: Database,
    bruno: User,
    carla: User,
    dani: User,
    general: ChannelId,
) -> None:
    """Carla, named in the message already, gets no second notification when Bruno adds
    @channel; only those not notified yet hear of it."""
    message = await say(core, bruno, general, "@carla mira")
    mark = await last_event_id(database)

    await core.posting.edit(bruno.id, message.id, "@carla @channel mira", 1)

    notified = [
        scope
        for e in await logged(database, "notification.created", after=mark)
        for scope in e.audience
    ]
    assert f"user:{dani.id}" in notified
    assert f"user:{carla.id}" not in notified
    assert len(await inbox(core, carla)) == 1


async def test_editing_a_mention_away_removes_its_notification(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId
) -> None:
    """Bruno named Carla by mistake and edits her name out: her notification and her unread
    mention go away."""
    message = await say(core, bruno, general, "@carla ¿vienes?")
    assert (await unread_in(core, carla, ws, general)).mentions == 1

    await core.posting.edit(bruno.id, message.id, "¿viene alguien?", 1)

    assert await inbox(core, carla) == []
    assert (await unread_in(core, carla, ws, general)).mentions == 0
    assert (await current(core, bruno, message)).mentioned == ()


async def test_editing_channel_away_removes_everyones_notifications(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId
) -> None:
    """Bruno called @channel by mistake and edits it out: nobody keeps a notification or an
    unread mention for it."""
    message = await say(core, bruno, general, "@channel ¡comida!")
    assert await inbox(core, carla) == [("@channel ¡comida!", "everyone")]

    await core.posting.edit(bruno.id, message.id, "¡comida!", 1)

    assert await inbox(core, carla) == []
    assert (await unread_in(core, carla, ws, general)).mentions == 0


async def test_an_edit_says_who_was_not_notified(
    core: Tertulia, bruno: User, general: ChannelId, dani: User, plaza: ChannelId
) -> None:
    """Bruno adds @carla in #plaza, where she is not: the edit answers that she was not
    notified."""
    message = await say(core, bruno, plaza, "hola")

    edited = await core.posting.edit(bruno.id, message.id, "hola @carla @dani @nadie", 1)

    assert edited.not_notified == ("carla", "dani", "nadie")
    assert edited.view.message.mentioned == ()


async def test_authors_who_left_a_channel_cannot_edit_there(
    core: Tertulia, database: Database, bruno: User, carla: User, plaza: ChannelId
) -> None:
    """Carla left #plaza: editing her old message (to ping someone there) is refused."""
    await core.channels.add_member(carla.id, plaza, carla.id)
    hers = await say(core, carla, plaza, "hola")
    await core.channels.remove_member(carla.id, plaza, carla.id)
    mark = await last_event_id(database)
    with pytest.raises(Forbidden) as refused:
        await core.posting.edit(carla.id, hers.id, "hola @bruno", hers.version)
    assert refused.value.code == "channel.not_member"
    await nothing_logged(database, mark)


async def test_people_hear_when_a_mention_of_them_goes_away(
    core: Tertulia, database: Database, bruno: User, carla: User, dani: User, general: ChannelId
) -> None:
    """Dani's other devices drop the notification when the mention is edited away, and Carla's
    when the message is deleted."""
    message = await say(core, bruno, general, "@carla @dani mirad")
    mark = await last_event_id(database)
    edited = (await core.posting.edit(bruno.id, message.id, "@carla mira", 1)).view.message
    removed = only(await logged(database, after=mark), "notification.removed")
    assert removed.audience == (f"user:{dani.id}",)
    mark = await last_event_id(database)
    await core.posting.delete(bruno.id, edited.id)
    removed = only(await logged(database, after=mark), "notification.removed")
    assert removed.audience == (f"user:{carla.id}",)
    assert removed.data == {"message_id": message.id, "channel_id": general}
