"""Deleting as its people see it: the author, the channel's creator or an admin leaves a
tombstone in the message's place, its text, reactions, pin and notifications gone for everyone;
a thread keeps its replies and a true summary; a tombstone takes no edits and no replies."""

from __future__ import annotations

import pytest

from tertulia.adapters.sql.database import Database
from tertulia.domain.errors import Conflict, Forbidden
from tertulia.domain.ids import ChannelId, WorkspaceId
from tertulia.domain.users import User
from tertulia.domain.workspaces import Role
from tertulia.usecases.core import Tertulia
from tests.conftest import Clock
from tests.usecases.talk import current, inbox, nothing_logged, only, reply, say, unread_in
from tests.usecases.teams import enrol, last_event_id, logged, person


async def test_the_author_deletes_a_message_leaving_a_tombstone(
    core: Tertulia,
    database: Database,
    clock: Clock,
    ws: WorkspaceId,
    bruno: User,
    carla: User,
    general: ChannelId,
) -> None:
    """Bruno deletes his message: it keeps its id and place, but its text, reactions, edits,
    pin and notifications are gone for everyone."""
    before = await say(core, carla, general, "antes")
    message = await say(core, bruno, general, "@carla secreto")
    after = await say(core, carla, general, "después")
    await core.posting.edit(bruno.id, message.id, "@carla secreto editado", 1)
    await core.reactions.react(carla.id, message.id, "👍", add=True)
    await core.reactions.pin(carla.id, message.id, pinned=True)
    clock.advance(minutes=5)
    mark = await last_event_id(database)

    tombstone = await core.posting.delete(bruno.id, message.id)

    assert tombstone.id == message.id
    assert tombstone.is_deleted
    assert tombstone.deleted_at == clock.now
    seen = await core.history.get(carla.id, message.id)
    assert seen.message.text == ""
    assert seen.message.html == ""
    assert seen.message.mentioned == ()
    assert seen.message.pinned_at is None
    assert seen.message.seq == message.seq
    assert seen.reactions == []
    assert (await core.history.edits(carla.id, message.id)).items == []
    assert await inbox(core, carla) == []
    assert (await unread_in(core, carla, ws, general)).mentions == 0
    assert await core.reactions.pins(carla.id, general) == []
    page = await core.history.page(carla.id, general)
    assert [v.message.id for v in page.items] == [before.id, message.id, after.id]
    assert page.items[1].message.is_deleted
    event = only(await logged(database, after=mark), "message.deleted")
    assert event.audience == (f"ch:{general}",)
    assert event.data["id"] == message.id
    assert event.data["by"] == bruno.id
    assert "secreto" not in str(event.data)


async def test_deleting_twice_changes_nothing(
    core: Tertulia, database: Database, bruno: User, general: ChannelId
) -> None:
    """A second delete of the same message is no error and announces nothing."""
    message = await say(core, bruno, general, "borrar")
    first = await core.posting.delete(bruno.id, message.id)
    mark = await last_event_id(database)

    again = await core.posting.delete(bruno.id, message.id)

    assert again == first
    await nothing_logged(database, mark)


async def test_the_channel_creator_deletes_anyones_message(
    core: Tertulia, carla: User, bruno: User, plaza: ChannelId
) -> None:
    """Bruno created #plaza, so he may remove what Carla wrote there."""
    await core.channels.add_member(carla.id, plaza, carla.id)
    message = await say(core, carla, plaza, "spam")

    tombstone = await core.posting.delete(bruno.id, message.id)

    assert tombstone.is_deleted
    assert (await current(core, carla, message)).is_deleted


async def test_a_workspace_admin_deletes_anyones_message(
    core: Tertulia, ws: WorkspaceId, ana: User, carla: User, bruno: User, plaza: ChannelId
) -> None:
    """An admin who did not create #plaza may still delete Carla's message there."""
    admin = await person(core, "eva")
    await enrol(core, ws, ana, admin, Role.ADMIN)
    await core.channels.add_member(carla.id, plaza, carla.id)
    await core.channels.add_member(admin.id, plaza, admin.id)
    message = await say(core, carla, plaza, "fuera de tono")

    await core.posting.delete(admin.id, message.id)

    assert (await current(core, bruno, message)).is_deleted


async def test_others_cannot_delete_a_message(
    core: Tertulia, database: Database, bruno: User, carla: User, general: ChannelId
) -> None:
    """Carla is neither the author, the channel's creator nor an admin: Forbidden."""
    message = await say(core, bruno, general, "mío")
    mark = await last_event_id(database)

    with pytest.raises(Forbidden) as caught:
        await core.posting.delete(carla.id, message.id)

    assert caught.value.code == "message.not_author"
    assert (await current(core, bruno, message)).text == "mío"
    await nothing_logged(database, mark)


async def test_a_deleted_message_cannot_be_edited(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """Editing a deleted message gives Conflict message.deleted."""
    message = await say(core, bruno, general, "x")
    await core.posting.delete(bruno.id, message.id)

    with pytest.raises(Conflict) as caught:
        await core.posting.edit(bruno.id, message.id, "y", 1)

    assert caught.value.code == "message.deleted"


async def test_deleting_a_reply_lowers_the_roots_reply_count(
    core: Tertulia, database: Database, bruno: User, carla: User, general: ChannelId
) -> None:
    """Carla deletes one of two replies: the root shows one reply, and the thread keeps the
    tombstone in its place."""
    root = await say(core, bruno, general, "raíz")
    first = await reply(core, carla, root, "uno")
    second = await reply(core, carla, root, "dos")
    mark = await last_event_id(database)

    await core.posting.delete(carla.id, first.id)

    assert (await current(core, bruno, root)).reply_count == 1
    thread = await core.threads.replies(bruno.id, root.id)
    assert [v.message.id for v in thread.items] == [first.id, second.id]
    assert thread.items[0].message.is_deleted
    assert thread.items[0].message.thread_root_id == root.id
    events = await logged(database, after=mark)
    assert [e.type for e in events] == ["thread.updated", "message.deleted"]
    assert events[0].data["reply_count"] == 1
    assert events[1].data["thread_root_id"] == root.id


async def test_deleting_a_root_keeps_its_thread(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """The thread's first message is deleted: the replies stay readable under its tombstone."""
    root = await say(core, bruno, general, "raíz")
    answer = await reply(core, carla, root, "respuesta")

    await core.posting.delete(bruno.id, root.id)

    thread = await core.threads.replies(carla.id, root.id)
    assert [v.message.text for v in thread.items] == ["respuesta"]
    tombstone = await current(core, carla, root)
    assert tombstone.reply_count == 1
    assert (await current(core, carla, answer)).thread_root_id == root.id


async def test_nobody_replies_to_a_deleted_message(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """Replying under a tombstone gives Conflict message.deleted."""
    root = await say(core, bruno, general, "raíz")
    await core.posting.delete(bruno.id, root.id)

    with pytest.raises(Conflict) as caught:
        await reply(core, carla, root, "¿y esto?")

    assert caught.value.code == "message.deleted"


async def test_opening_a_dm_makes_nobody_its_moderator(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User
) -> None:
    """Bruno opened the DM, but he cannot delete Carla's messages in it."""
    dm, _ = await core.channels.open_dm(bruno.id, ws, [carla.id])
    hers = await say(core, carla, dm.channel.id, "mío")
    with pytest.raises(Forbidden) as refused:
        await core.posting.delete(bruno.id, hers.id)
    assert refused.value.code == "message.not_author"


async def test_a_creator_who_left_the_channel_moderates_it_no_more(
    core: Tertulia, bruno: User, carla: User, plaza: ChannelId
) -> None:
    """Bruno created #plaza and left it: Carla's messages there are hers to delete, not his."""
    await core.channels.add_member(carla.id, plaza, carla.id)
    hers = await say(core, carla, plaza, "hola")
    await core.channels.remove_member(bruno.id, plaza, bruno.id)
    with pytest.raises(Forbidden):
        await core.posting.delete(bruno.id, hers.id)


async def test_deleting_replies_recomputes_the_threads_summary(
    core: Tertulia, ana: User, bruno: User, carla: User, general: ChannelId, clock: Clock
) -> None:
    """After Carla's later reply is deleted, the thread shows Bruno's as the last one and
    Carla no longer among those who replied; with no replies left, no summary."""
    root = await say(core, ana, general, "raíz")
    first = await reply(core, bruno, root, "uno")
    clock.advance(minutes=5)
    second = await reply(core, carla, root, "dos")
    await core.posting.delete(carla.id, second.id)
    summary = await current(core, ana, root)
    assert summary.reply_count == 1
    assert summary.last_reply_at == first.created_at
    assert summary.participants == (bruno.id,)
    await core.posting.delete(bruno.id, first.id)
    empty = await current(core, ana, root)
    assert (empty.reply_count, empty.last_reply_at, empty.participants) == (0, None, ())
