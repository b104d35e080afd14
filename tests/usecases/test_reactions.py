"""Reactions and pins as their people see them: reacting twice is reacting once, a shortcode
and its emoji are one reaction, each emoji shows its count and first reactors, at most 50 of
them and only known ones; pinning and the pins of a channel; and who may do either (members,
not in an archived channel, not on a deleted message)."""

from __future__ import annotations

import emoji as emoji_data
import pytest

from tertulia.adapters.sql.database import Database
from tertulia.domain.channels import ChannelChange
from tertulia.domain.errors import Conflict, Forbidden, Invalid, NotFound
from tertulia.domain.ids import ChannelId, WorkspaceId
from tertulia.domain.users import User
from tertulia.usecases.core import Tertulia
from tertulia.usecases.markup import canonical_emoji
from tests.conftest import Clock
from tests.usecases.talk import nothing_logged, only, say
from tests.usecases.teams import enrol, last_event_id, logged, person

# helpers ---------------------------------------------------------------------------------------


def distinct_emoji(count: int) -> list[str]:
    """`count` different single-character emoji from the emoji data set."""
    found = []
    for value, data in emoji_data.EMOJI_DATA.items():
        if len(value) == 1 and data["status"] == emoji_data.STATUS["fully_qualified"]:
            found.append(value)
        if len(found) == count:
            return found
    raise AssertionError("not enough emoji")


# reactions -------------------------------------------------------------------------------------


async def test_an_archived_channel_takes_no_reactions_pins_or_deletions(
    core: Tertulia, database: Database, bruno: User, plaza: ChannelId
) -> None:
    """In an archived channel reacting, pinning and deleting give Conflict channel.archived."""
    message = await say(core, bruno, plaza, "último")
    await core.channels.change(bruno.id, plaza, ChannelChange(archived=True))
    mark = await last_event_id(database)

    with pytest.raises(Conflict) as reacting:
        await core.reactions.react(bruno.id, message.id, "👍", add=True)
    with pytest.raises(Conflict) as pinning:
        await core.reactions.pin(bruno.id, message.id, pinned=True)
    with pytest.raises(Conflict) as deleting:
        await core.posting.delete(bruno.id, message.id)

    assert reacting.value.code == "channel.archived"
    assert pinning.value.code == "channel.archived"
    assert deleting.value.code == "channel.archived"
    await nothing_logged(database, mark)


async def test_reacting_twice_is_reacting_once(
    core: Tertulia, database: Database, bruno: User, carla: User, general: ChannelId
) -> None:
    """Carla taps 👍 twice: one reaction, one event; removing it twice leaves none, one event."""
    message = await say(core, bruno, general, "¿vale?")
    mark = await last_event_id(database)

    await core.reactions.react(carla.id, message.id, "👍", add=True)
    view = await core.reactions.react(carla.id, message.id, "👍", add=True)

    assert [(r.emoji, r.count, r.me, r.user_ids) for r in view.reactions] == [
        ("👍", 1, True, (carla.id,))
    ]
    added = await logged(database, after=mark)
    assert [e.type for e in added] == ["reaction.added"]
    assert added[0].audience == (f"ch:{general}",)
    assert added[0].data == {
        "message_id": message.id,
        "channel_id": general,
        "emoji": "👍",
        "user_id": carla.id,
    }
    mark = await last_event_id(database)

    await core.reactions.react(carla.id, message.id, "👍", add=False)
    view = await core.reactions.react(carla.id, message.id, "👍", add=False)

    assert view.reactions == []
    assert [e.type for e in await logged(database, after=mark)] == ["reaction.removed"]


async def test_a_shortcode_and_its_emoji_are_one_reaction(
    core: Tertulia, clock: Clock, ana: User, bruno: User, carla: User, general: ChannelId
) -> None:
    """:+1:, :thumbsup: and 👍 count together; so do ❤ and ❤️. The emoji first used comes
    first."""
    message = await say(core, bruno, general, "hecho")

    await core.reactions.react(carla.id, message.id, ":+1:", add=True)
    clock.advance(seconds=1)
    await core.reactions.react(ana.id, message.id, "👍", add=True)
    clock.advance(seconds=1)
    await core.reactions.react(ana.id, message.id, "❤", add=True)
    clock.advance(seconds=1)
    view = await core.reactions.react(bruno.id, message.id, ":thumbsup:", add=True)
    clock.advance(seconds=1)
    await core.reactions.react(carla.id, message.id, "❤️", add=True)

    assert [(r.emoji, r.count) for r in view.reactions] == [("👍", 3), ("❤️", 1)]
    seen = await core.history.get(bruno.id, message.id)
    assert [(r.emoji, r.count) for r in seen.reactions] == [("👍", 3), ("❤️", 2)]
    await core.reactions.react(carla.id, message.id, "👍", add=False)
    seen = await core.history.get(bruno.id, message.id)
    assert [(r.emoji, r.count) for r in seen.reactions] == [("👍", 2), ("❤️", 2)]


async def test_each_emoji_shows_its_count_whether_i_reacted_and_the_first_people(
    core: Tertulia,
    clock: Clock,
    ws: WorkspaceId,
    ana: User,
    bruno: User,
    carla: User,
    general: ChannelId,
) -> None:
    """Five people react 🎉: the message shows 5, the first three reactors, and "me" only to
    those who reacted."""
    dani = await person(core, "dani")
    eva = await person(core, "eva")
    for newcomer in (dani, eva):
        await enrol(core, ws, ana, newcomer)
    message = await say(core, bruno, general, "¡lanzado!")
    order = [carla, ana, dani, eva, bruno]
    for who in order:
        clock.advance(seconds=1)
        await core.reactions.react(who.id, message.id, ":tada:", add=True)
    lurker = await person(core, "fede")
    await enrol(core, ws, ana, lurker)

    mine = (await core.history.get(bruno.id, message.id)).reactions
    theirs = (await core.history.get(lurker.id, message.id)).reactions

    assert [(r.emoji, r.count, r.me, r.user_ids) for r in mine] == [
        ("🎉", 5, True, (carla.id, ana.id, dani.id))
    ]
    assert [(r.emoji, r.count, r.me, r.user_ids) for r in theirs] == [
        ("🎉", 5, False, (carla.id, ana.id, dani.id))
    ]


async def test_history_shows_reactions(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """Messages in a page of history carry their reactions, seen from the reader's side."""
    message = await say(core, bruno, general, "hola")
    await say(core, bruno, general, "sin reacciones")
    await core.reactions.react(carla.id, message.id, "👋", add=True)

    page = await core.history.page(carla.id, general)

    assert [[(r.emoji, r.count, r.me) for r in v.reactions] for v in page.items] == [
        [("👋", 1, True)],
        [],
    ]


async def test_at_most_50_different_emoji_per_message(
    core: Tertulia, database: Database, bruno: User, carla: User, general: ChannelId
) -> None:
    """The 51st different emoji gives Conflict reaction.too_many; one already there is still
    welcome."""
    message = await say(core, bruno, general, "reacciona")
    palette = distinct_emoji(51)
    for value in palette[:50]:
        assert canonical_emoji(value) == value
        await core.reactions.react(bruno.id, message.id, value, add=True)
    mark = await last_event_id(database)

    with pytest.raises(Conflict) as caught:
        await core.reactions.react(carla.id, message.id, palette[50], add=True)

    assert caught.value.code == "reaction.too_many"
    await nothing_logged(database, mark)
    view = await core.reactions.react(carla.id, message.id, palette[0], add=True)
    assert len(view.reactions) == 50
    assert {r.emoji: r.count for r in view.reactions}[palette[0]] == 2


async def test_an_unknown_emoji_is_refused(
    core: Tertulia, database: Database, bruno: User, general: ChannelId
) -> None:
    """Reacting with a word or an unknown :shortcode: gives Invalid reaction.unknown_emoji."""
    message = await say(core, bruno, general, "hola")
    mark = await last_event_id(database)

    for value in ("ok", ":no_existe:", "👍👍"):
        with pytest.raises(Invalid) as caught:
            await core.reactions.react(bruno.id, message.id, value, add=True)
        assert caught.value.code == "reaction.unknown_emoji"
    await nothing_logged(database, mark)


async def test_non_members_cannot_react(
    core: Tertulia,
    database: Database,
    bruno: User,
    carla: User,
    plaza: ChannelId,
    secreto: ChannelId,
) -> None:
    """Carla may read #plaza but not react there (Forbidden); a private channel's messages do
    not exist for her (NotFound)."""
    public_message = await say(core, bruno, plaza, "hola")
    private_message = await say(core, bruno, secreto, "hola")
    mark = await last_event_id(database)

    with pytest.raises(Forbidden) as caught:
        await core.reactions.react(carla.id, public_message.id, "👍", add=True)
    assert caught.value.code == "channel.not_member"
    with pytest.raises(NotFound):
        await core.reactions.react(carla.id, private_message.id, "👍", add=True)
    await nothing_logged(database, mark)


async def test_a_deleted_message_takes_no_reactions(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """Reacting to a tombstone gives Conflict message.deleted."""
    message = await say(core, bruno, general, "x")
    await core.posting.delete(bruno.id, message.id)

    with pytest.raises(Conflict) as caught:
        await core.reactions.react(carla.id, message.id, "👍", add=True)

    assert caught.value.code == "message.deleted"


# pins ------------------------------------------------------------------------------------------


async def test_pinning_and_unpinning_are_idempotent(
    core: Tertulia,
    database: Database,
    clock: Clock,
    bruno: User,
    carla: User,
    general: ChannelId,
) -> None:
    """Carla pins a message twice: it is pinned once, by her, with one event; unpinning twice
    likewise."""
    message = await say(core, bruno, general, "reglas del canal")
    mark = await last_event_id(database)

    await core.reactions.pin(carla.id, message.id, pinned=True)
    view = await core.reactions.pin(carla.id, message.id, pinned=True)

    assert view.message.pinned_at == clock.now
    assert view.message.pinned_by == carla.id
    event = only(await logged(database, after=mark), "message.pinned")
    assert event.audience == (f"ch:{general}",)
    assert event.data["pinned_by"] == carla.id
    mark = await last_event_id(database)

    await core.reactions.pin(carla.id, message.id, pinned=False)
    view = await core.reactions.pin(carla.id, message.id, pinned=False)

    assert view.message.pinned_at is None
    assert view.message.pinned_by is None
    assert [e.type for e in await logged(database, after=mark)] == ["message.unpinned"]
    assert await core.reactions.pins(bruno.id, general) == []


async def test_pins_are_listed_newest_pin_first(
    core: Tertulia, clock: Clock, bruno: User, carla: User, general: ChannelId
) -> None:
    """The most recently pinned message comes first, whatever its age."""
    old = await say(core, bruno, general, "viejo")
    new = await say(core, bruno, general, "nuevo")
    await say(core, bruno, general, "sin fijar")
    await core.reactions.pin(carla.id, new.id, pinned=True)
    clock.advance(minutes=1)
    await core.reactions.pin(carla.id, old.id, pinned=True)

    pins = await core.reactions.pins(bruno.id, general)

    assert [v.message.text for v in pins] == ["viejo", "nuevo"]


async def test_only_members_pin(
    core: Tertulia,
    database: Database,
    bruno: User,
    carla: User,
    plaza: ChannelId,
    secreto: ChannelId,
) -> None:
    """Carla cannot pin in #plaza, which she is not in (Forbidden), nor see the private channel's
    pins (NotFound)."""
    public_message = await say(core, bruno, plaza, "hola")
    private_message = await say(core, bruno, secreto, "hola")
    await core.reactions.pin(bruno.id, private_message.id, pinned=True)
    mark = await last_event_id(database)

    with pytest.raises(Forbidden) as caught:
        await core.reactions.pin(carla.id, public_message.id, pinned=True)
    assert caught.value.code == "channel.not_member"
    with pytest.raises(NotFound):
        await core.reactions.pin(carla.id, private_message.id, pinned=True)
    with pytest.raises(NotFound):
        await core.reactions.pins(carla.id, secreto)
    await nothing_logged(database, mark)


async def test_a_deleted_message_cannot_be_pinned(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """Pinning a tombstone gives Conflict message.deleted."""
    message = await say(core, bruno, general, "x")
    await core.posting.delete(bruno.id, message.id)

    with pytest.raises(Conflict) as caught:
        await core.reactions.pin(bruno.id, message.id, pinned=True)

    assert caught.value.code == "message.deleted"
