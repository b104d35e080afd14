"""Channels and direct messages as their people see them: creating, browsing, joining, changing,
archiving, and who hears of each change."""

from __future__ import annotations

import pytest

from tertulia.adapters.sql.database import Database
from tertulia.domain.channels import ChannelChange, ChannelKind
from tertulia.domain.errors import Conflict, Forbidden, Invalid, NotFound
from tertulia.domain.ids import ChannelId, UserId, WorkspaceId
from tertulia.domain.users import User
from tertulia.domain.workspaces import Role
from tertulia.usecases.core import Tertulia
from tertulia.usecases.ports.channels import ChannelRow
from tests.usecases.teams import enrol, last_event_id, logged, person

DIRECT = [ChannelKind.DM, ChannelKind.GROUP_DM]


@pytest.fixture
async def outsider(core: Tertulia) -> User:
    """Someone with an account but not in Ana's workspace."""
    return await person(core, "olga")


@pytest.fixture
async def general(core: Tertulia, ws: WorkspaceId, ana: User) -> ChannelId:
    page = await core.channels.browse(ana.id, ws)
    return next(row.channel.id for row in page.items if row.channel.is_default)


async def public(core: Tertulia, creator: User, ws: WorkspaceId, name: str) -> ChannelId:
    row = await core.channels.create(creator.id, ws, name, ChannelKind.PUBLIC)
    return row.channel.id


async def private(core: Tertulia, creator: User, ws: WorkspaceId, name: str) -> ChannelId:
    row = await core.channels.create(creator.id, ws, name, ChannelKind.PRIVATE)
    return row.channel.id


async def guest(
    core: Tertulia, ws: WorkspaceId, inviter: User, username: str, *channels: ChannelId
) -> User:
    """A guest of the workspace, in those channels only."""
    user = await person(core, username)
    await enrol(core, ws, inviter, user, Role.GUEST, channels)
    return user


async def browse_names(
    core: Tertulia,
    user: User,
    ws: WorkspaceId,
    *,
    only_member: bool = False,
    include_archived: bool = False,
) -> list[str]:
    """The names of the channels the user's directory lists, in its order."""
    page = await core.channels.browse(
        user.id, ws, only_member=only_member, include_archived=include_archived, limit=200
    )
    return [row.channel.name for row in page.items]


async def member_ids(core: Tertulia, viewer: User, channel: ChannelId) -> list[str]:
    page = await core.channels.members(viewer.id, channel, None, 200)
    return [row.user.id for row in page.items]


# creating --------------------------------------------------------------------------------------


async def test_a_public_channel_is_created_with_its_creator_in_it(
    core: Tertulia, ws: WorkspaceId, bruno: User
) -> None:
    """A member creates #diseño: it is public, lowercased, and they are its first member."""
    row = await core.channels.create(bruno.id, ws, "Diseño", ChannelKind.PUBLIC, topic="Ideas")

    assert row.channel.name == "diseño"
    assert row.channel.kind is ChannelKind.PUBLIC
    assert row.channel.topic == "Ideas"
    assert row.channel.created_by == bruno.id
    assert not row.channel.is_default
    assert row.is_member
    assert row.member_count == 1
    fetched = await core.channels.get(bruno.id, row.channel.id)
    assert fetched.channel == row.channel
    assert await member_ids(core, bruno, row.channel.id) == [bruno.id]


async def test_a_private_channel_is_created_with_its_creator_in_it(
    core: Tertulia, ws: WorkspaceId, bruno: User
) -> None:
    """A member creates a private channel and is its only member."""
    row = await core.channels.create(bruno.id, ws, "SECRETO", ChannelKind.PRIVATE)

    assert row.channel.name == "secreto"
    assert row.channel.kind is ChannelKind.PRIVATE
    assert row.is_member
    assert await member_ids(core, bruno, row.channel.id) == [bruno.id]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        pytest.param("Diseño Web", "channel.name_invalid", id="space"),
        pytest.param("", "channel.name_empty", id="empty"),
        pytest.param("a" * 81, "channel.name_too_long", id="too-long"),
        pytest.param("#diseño", "channel.name_invalid", id="hash"),
        pytest.param("---", "channel.name_invalid", id="no-letter"),
    ],
)
async def test_bad_channel_names_are_refused(
    core: Tertulia, ws: WorkspaceId, ana: User, name: str, code: str
) -> None:
    """A name with a space, nothing, too much or no letter gives Invalid and creates nothing."""
    with pytest.raises(Invalid) as caught:
        await core.channels.create(ana.id, ws, name, ChannelKind.PUBLIC)

    assert caught.value.code == code
    assert [e.field for e in caught.value.errors] == ["name"]
    assert await browse_names(core, ana, ws) == ["general"]


async def test_a_taken_channel_name_is_refused(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A name already used in the workspace (in any case) gives Conflict channel.name_taken."""
    await private(core, ana, ws, "diseño")

    with pytest.raises(Conflict) as caught:
        await core.channels.create(bruno.id, ws, "DISEÑO", ChannelKind.PUBLIC)

    assert caught.value.code == "channel.name_taken"


async def test_general_is_taken_from_the_start(core: Tertulia, ws: WorkspaceId, ana: User) -> None:
    """Nobody can create a second #general."""
    with pytest.raises(Conflict) as caught:
        await core.channels.create(ana.id, ws, "general", ChannelKind.PUBLIC)

    assert caught.value.code == "channel.name_taken"


async def test_the_same_channel_name_may_exist_in_another_workspace(
    core: Tertulia, ws: WorkspaceId, ana: User
) -> None:
    """Channel names are unique per workspace, not across workspaces."""
    await public(core, ana, ws, "diseño")
    other, _ = await core.workspaces.create(ana.id, "Otro equipo")

    row = await core.channels.create(ana.id, other.id, "diseño", ChannelKind.PUBLIC)

    assert row.channel.workspace_id == other.id


@pytest.mark.parametrize("kind", [ChannelKind.PUBLIC, ChannelKind.PRIVATE])
async def test_guests_cannot_create_channels(
    core: Tertulia, ws: WorkspaceId, ana: User, kind: ChannelKind
) -> None:
    """A guest creating a channel gets Forbidden workspace.guest_forbidden."""
    lobby = await public(core, ana, ws, "recepcion")
    visitor = await guest(core, ws, ana, "gema", lobby)

    with pytest.raises(Forbidden) as caught:
        await core.channels.create(visitor.id, ws, "mio", kind)

    assert caught.value.code == "workspace.guest_forbidden"


async def test_outsiders_cannot_create_channels(
    core: Tertulia, ws: WorkspaceId, outsider: User
) -> None:
    """Someone outside the workspace gets NotFound workspace.not_found."""
    with pytest.raises(NotFound) as caught:
        await core.channels.create(outsider.id, ws, "intruso", ChannelKind.PUBLIC)

    assert caught.value.code == "workspace.not_found"


async def test_direct_messages_are_not_created_as_channels(
    core: Tertulia, ws: WorkspaceId, ana: User
) -> None:
    """Asking create for a DM gives Invalid: DMs are opened with open_dm."""
    with pytest.raises(Invalid) as caught:
        await core.channels.create(ana.id, ws, "charla", ChannelKind.DM)

    assert caught.value.code == "channel.kind"


# browsing --------------------------------------------------------------------------------------


async def test_members_see_public_channels_and_their_own_private_ones(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Bruno sees every public channel and his private ones, never Ana's private ones."""
    await public(core, ana, ws, "diseño")
    await private(core, ana, ws, "direccion")
    await private(core, bruno, ws, "mi-rincon")

    page = await core.channels.browse(bruno.id, ws)

    rows = {row.channel.name: row for row in page.items}
    assert sorted(rows) == ["diseño", "general", "mi-rincon"]
    assert rows["general"].is_member
    assert not rows["diseño"].is_member
    assert rows["mi-rincon"].is_member
    assert await browse_names(core, bruno, ws, only_member=True) == ["general", "mi-rincon"]


async def test_a_guest_sees_only_the_channels_it_belongs_to(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    """A guest's channel list holds its channels and no other public one, #general included."""
    lobby = await public(core, ana, ws, "recepcion")
    design = await public(core, ana, ws, "diseño")
    room = await private(core, ana, ws, "proyecto")
    visitor = await guest(core, ws, ana, "gema", lobby, room)

    assert await browse_names(core, visitor, ws) == ["proyecto", "recepcion"]
    for hidden in (general, design):
        with pytest.raises(NotFound):
            await core.channels.get(visitor.id, hidden)


async def test_archived_channels_are_hidden_unless_asked_for(
    core: Tertulia, ws: WorkspaceId, ana: User
) -> None:
    """An archived channel leaves the list but shows up when archived ones are included."""
    old = await public(core, ana, ws, "antiguo")
    await core.channels.change(ana.id, old, ChannelChange(archived=True))

    assert await browse_names(core, ana, ws) == ["general"]
    assert await browse_names(core, ana, ws, include_archived=True) == ["antiguo", "general"]


async def test_browsing_one_at_a_time_visits_every_channel_in_name_order(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Paging with limit=1 shows each visible channel once, by name then id, and stops."""
    for name in ("zeta", "alfa", "Ñandú", "beta"):
        await public(core, ana, ws, name)
    await private(core, bruno, ws, "mio")
    await private(core, ana, ws, "oculto")
    seen: list[ChannelRow] = []
    after: str | None = None

    while True:
        page = await core.channels.browse(bruno.id, ws, after=after, limit=1)
        assert len(page.items) <= 1
        seen.extend(page.items)
        if page.next_cursor is None:
            break
        after = page.next_cursor

    keys = [(row.channel.name, row.channel.id) for row in seen]
    assert keys == sorted(keys)
    assert sorted(name for name, _ in keys) == sorted(
        ["alfa", "beta", "general", "mio", "ñandú", "zeta"]
    )


async def test_paging_through_direct_messages_visits_each_once(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """Direct messages have no names; paging through them one at a time still sees each once."""
    opened = [
        (await core.channels.open_dm(ana.id, ws, others))[0].channel.id
        for others in ([bruno.id], [carla.id], [bruno.id, carla.id], [])
    ]
    seen: list[ChannelId] = []
    after: str | None = None

    while True:
        page = await core.channels.browse(ana.id, ws, kinds=DIRECT, after=after, limit=1)
        seen.extend(row.channel.id for row in page.items)
        if page.next_cursor is None:
            break
        after = page.next_cursor

    assert seen == sorted(opened)


async def test_browsing_direct_messages_lists_only_the_viewers_with_their_people(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """Asking for DMs lists the viewer's conversations with who is in each, not others' DMs."""
    with_bruno, _ = await core.channels.open_dm(ana.id, ws, [bruno.id])
    trio, _ = await core.channels.open_dm(ana.id, ws, [bruno.id, carla.id])
    await core.channels.open_dm(bruno.id, ws, [carla.id])
    await public(core, ana, ws, "diseño")

    page = await core.channels.browse(ana.id, ws, kinds=DIRECT)

    found = {row.channel.id: row for row in page.items}
    assert set(found) == {with_bruno.channel.id, trio.channel.id}
    assert found[with_bruno.channel.id].channel.kind is ChannelKind.DM
    assert found[with_bruno.channel.id].dm_user_ids == tuple(sorted([ana.id, bruno.id]))
    assert found[trio.channel.id].channel.kind is ChannelKind.GROUP_DM
    assert found[trio.channel.id].dm_user_ids == tuple(sorted([ana.id, bruno.id, carla.id]))
    assert all(row.is_member for row in page.items)


async def test_browsing_named_channels_leaves_direct_messages_out(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """The channel directory does not list direct messages."""
    await core.channels.open_dm(ana.id, ws, [bruno.id])

    assert await browse_names(core, ana, ws) == ["general"]


async def test_a_forged_cursor_is_refused(core: Tertulia, ws: WorkspaceId, ana: User) -> None:
    """A cursor that this server did not hand out gives Invalid cursor.invalid."""
    with pytest.raises(Invalid) as caught:
        await core.channels.browse(ana.id, ws, after="bm90LW91cnM")

    assert caught.value.code == "cursor.invalid"


async def test_outsiders_cannot_browse(core: Tertulia, ws: WorkspaceId, outsider: User) -> None:
    """Someone outside the workspace gets NotFound workspace.not_found."""
    with pytest.raises(NotFound) as caught:
        await core.channels.browse(outsider.id, ws)

    assert caught.value.code == "workspace.not_found"


# joining and adding ----------------------------------------------------------------------------


async def test_a_member_joins_a_public_channel(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Bruno adds himself to #diseño and is in it; the channel and he hear of it."""
    design = await public(core, ana, ws, "diseño")
    before = await last_event_id(database)

    row, added = await core.channels.add_member(bruno.id, design, bruno.id)

    assert added
    assert row.is_member
    assert row.member_count == 2
    assert sorted(await member_ids(core, ana, design)) == sorted([ana.id, bruno.id])
    events = await logged(database, after=before)
    assert [e.type for e in events] == ["channel.member_joined"]
    assert events[0].data["user_id"] == bruno.id
    assert events[0].data["by"] == bruno.id
    assert set(events[0].audience) == {f"ch:{design}", f"ws-full:{ws}", f"user:{bruno.id}"}


async def test_joining_a_private_channel_is_not_found(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Trying to join a private channel one is not in gives NotFound, revealing nothing."""
    secret = await private(core, ana, ws, "secreto")

    with pytest.raises(NotFound) as caught:
        await core.channels.add_member(bruno.id, secret, bruno.id)

    assert caught.value.code == "channel.not_found"
    assert await member_ids(core, ana, secret) == [ana.id]


async def test_joining_an_archived_private_channel_is_not_found(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """An archived private channel one is not in answers a join with the same NotFound as
    a live one or none at all, so its existence stays hidden."""
    secret = await private(core, ana, ws, "secreto")
    await core.channels.change(ana.id, secret, ChannelChange(archived=True))

    with pytest.raises(NotFound) as caught:
        await core.channels.add_member(bruno.id, secret, bruno.id)

    assert caught.value.code == "channel.not_found"


async def test_joining_someone_elses_direct_message_is_not_found(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """Trying to join a DM between two other people gives NotFound, revealing nothing."""
    dm, _ = await core.channels.open_dm(ana.id, ws, [bruno.id])

    with pytest.raises(NotFound) as caught:
        await core.channels.add_member(carla.id, dm.channel.id, carla.id)

    assert caught.value.code == "channel.not_found"


async def test_a_guest_cannot_join_a_public_channel_it_was_not_given(
    core: Tertulia, ws: WorkspaceId, ana: User
) -> None:
    """A guest trying to join another public channel gets NotFound: it cannot see it."""
    lobby = await public(core, ana, ws, "recepcion")
    design = await public(core, ana, ws, "diseño")
    visitor = await guest(core, ws, ana, "gema", lobby)

    with pytest.raises(NotFound) as caught:
        await core.channels.add_member(visitor.id, design, visitor.id)

    assert caught.value.code == "channel.not_found"


async def test_a_guest_joining_an_archived_public_channel_is_not_found(
    core: Tertulia, ws: WorkspaceId, ana: User
) -> None:
    """A guest cannot see public channels it was not given, archived or not, so joining one
    gives NotFound rather than saying it is archived."""
    lobby = await public(core, ana, ws, "recepcion")
    old = await public(core, ana, ws, "antiguo")
    await core.channels.change(ana.id, old, ChannelChange(archived=True))
    visitor = await guest(core, ws, ana, "gema", lobby)

    with pytest.raises(NotFound) as caught:
        await core.channels.add_member(visitor.id, old, visitor.id)

    assert caught.value.code == "channel.not_found"


async def test_joining_twice_changes_nothing(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Joining a channel one is already in answers added=False and appends no event."""
    design = await public(core, ana, ws, "diseño")
    await core.channels.add_member(bruno.id, design, bruno.id)
    before = await last_event_id(database)

    row, added = await core.channels.add_member(bruno.id, design, bruno.id)

    assert not added
    assert row.is_member
    assert row.member_count == 2
    assert await logged(database, after=before) == []


async def test_a_member_adds_someone_to_a_private_channel(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Ana adds Bruno to her private channel: he can now see it, and only its members and
    he hear of it."""
    secret = await private(core, ana, ws, "secreto")
    before = await last_event_id(database)

    row, added = await core.channels.add_member(ana.id, secret, bruno.id)

    assert added
    assert row.member_count == 2
    seen = await core.channels.get(bruno.id, secret)
    assert seen.is_member
    events = await logged(database, after=before)
    assert [e.type for e in events] == ["channel.member_joined"]
    assert set(events[0].audience) == {f"ch:{secret}", f"user:{bruno.id}"}
    assert events[0].data["by"] == ana.id


async def test_adding_someone_already_in_changes_nothing(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Adding a person twice answers added=False and appends no event."""
    secret = await private(core, ana, ws, "secreto")
    await core.channels.add_member(ana.id, secret, bruno.id)
    before = await last_event_id(database)

    _, added = await core.channels.add_member(ana.id, secret, bruno.id)

    assert not added
    assert await logged(database, after=before) == []


async def test_a_non_member_cannot_see_a_private_channel(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Bruno asking for Ana's private channel gets NotFound, as if it did not exist."""
    secret = await private(core, ana, ws, "secreto")

    with pytest.raises(NotFound) as caught:
        await core.channels.get(bruno.id, secret)

    assert caught.value.code == "channel.not_found"
    with pytest.raises(NotFound):
        await core.channels.members(bruno.id, secret, None, 50)


async def test_a_non_member_cannot_add_people_to_a_private_channel(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """Bruno adding Carla to Ana's private channel gets NotFound and Carla stays out."""
    secret = await private(core, ana, ws, "secreto")

    with pytest.raises(NotFound) as caught:
        await core.channels.add_member(bruno.id, secret, carla.id)

    assert caught.value.code == "channel.not_found"
    assert await member_ids(core, ana, secret) == [ana.id]


async def test_a_non_member_cannot_add_people_to_a_public_channel(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """A plain member outside a public channel adding someone gets Forbidden channel.not_member."""
    design = await public(core, ana, ws, "diseño")

    with pytest.raises(Forbidden) as caught:
        await core.channels.add_member(bruno.id, design, carla.id)

    assert caught.value.code == "channel.not_member"


async def test_an_admin_adds_people_to_a_public_channel_without_being_in_it(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """A workspace owner may add someone to a public channel she has not joined."""
    design = await public(core, bruno, ws, "diseño")

    row, added = await core.channels.add_member(ana.id, design, carla.id)

    assert added
    assert not row.is_member
    assert sorted(await member_ids(core, bruno, design)) == sorted([bruno.id, carla.id])


async def test_a_guest_cannot_add_people_to_its_channels(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A guest adding a member to a channel it is in gets Forbidden workspace.guest_forbidden."""
    room = await private(core, ana, ws, "proyecto")
    visitor = await guest(core, ws, ana, "gema", room)

    with pytest.raises(Forbidden) as caught:
        await core.channels.add_member(visitor.id, room, bruno.id)

    assert caught.value.code == "workspace.guest_forbidden"
    assert sorted(await member_ids(core, ana, room)) == sorted([ana.id, visitor.id])


async def test_adding_someone_from_another_workspace_is_not_found(
    core: Tertulia, ws: WorkspaceId, ana: User, outsider: User
) -> None:
    """Adding a person who is not in the workspace gives NotFound user.not_found."""
    design = await public(core, ana, ws, "diseño")
    elsewhere, _ = await core.workspaces.create(outsider.id, "Otro equipo")
    assert elsewhere.id != ws

    with pytest.raises(NotFound) as caught:
        await core.channels.add_member(ana.id, design, outsider.id)

    assert caught.value.code == "user.not_found"
    assert await member_ids(core, ana, design) == [ana.id]


async def test_outsiders_cannot_join_channels(
    core: Tertulia, ws: WorkspaceId, ana: User, outsider: User
) -> None:
    """Someone outside the workspace joining a public channel gets NotFound."""
    design = await public(core, ana, ws, "diseño")

    with pytest.raises(NotFound) as caught:
        await core.channels.add_member(outsider.id, design, outsider.id)

    assert caught.value.code == "channel.not_found"


# leaving and removing --------------------------------------------------------------------------


async def test_a_member_leaves_a_channel(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Bruno leaves Ana's private channel: he is out, can no longer see it, and hears of it."""
    secret = await private(core, ana, ws, "secreto")
    await core.channels.add_member(ana.id, secret, bruno.id)
    before = await last_event_id(database)

    await core.channels.remove_member(bruno.id, secret, bruno.id)

    assert await member_ids(core, ana, secret) == [ana.id]
    with pytest.raises(NotFound):
        await core.channels.get(bruno.id, secret)
    events = await logged(database, after=before)
    assert [e.type for e in events] == ["channel.member_left"]
    assert events[0].data == {"channel_id": secret, "user_id": bruno.id, "by": bruno.id}
    assert set(events[0].audience) == {f"ch:{secret}", f"user:{bruno.id}"}


async def test_leaving_a_channel_one_is_not_in_is_not_found(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Leaving a public channel one never joined gives NotFound channel.member_not_found."""
    design = await public(core, ana, ws, "diseño")

    with pytest.raises(NotFound) as caught:
        await core.channels.remove_member(bruno.id, design, bruno.id)

    assert caught.value.code == "channel.member_not_found"


async def test_the_creator_removes_someone(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """The member who created a channel may remove others from it."""
    design = await public(core, bruno, ws, "diseño")
    await core.channels.add_member(carla.id, design, carla.id)

    await core.channels.remove_member(bruno.id, design, carla.id)

    assert await member_ids(core, bruno, design) == [bruno.id]


async def test_a_workspace_admin_removes_someone(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """A workspace owner may remove people from a channel someone else created."""
    design = await public(core, bruno, ws, "diseño")
    await core.channels.add_member(carla.id, design, carla.id)

    await core.channels.remove_member(ana.id, design, carla.id)

    assert await member_ids(core, bruno, design) == [bruno.id]


async def test_a_plain_member_cannot_remove_someone(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """A member who neither created the channel nor administers the workspace gets Forbidden."""
    design = await public(core, ana, ws, "diseño")
    await core.channels.add_member(bruno.id, design, bruno.id)
    await core.channels.add_member(carla.id, design, carla.id)

    with pytest.raises(Forbidden) as caught:
        await core.channels.remove_member(bruno.id, design, carla.id)

    assert caught.value.code == "channel.manager_only"
    assert carla.id in await member_ids(core, ana, design)


# changing and archiving ------------------------------------------------------------------------


async def test_the_creator_renames_a_channel(
    core: Tertulia, database: Database, ws: WorkspaceId, bruno: User
) -> None:
    """Bruno renames the channel he created; everyone who may see it hears the new name."""
    design = await public(core, bruno, ws, "diseño")
    before = await last_event_id(database)

    row = await core.channels.change(bruno.id, design, ChannelChange(name="Diseño-Web"))

    assert row.channel.name == "diseño-web"
    assert (await core.channels.get(bruno.id, design)).channel.name == "diseño-web"
    events = await logged(database, after=before)
    assert [e.type for e in events] == ["channel.updated"]
    assert events[0].data["name"] == "diseño-web"
    assert set(events[0].audience) == {f"ch:{design}", f"ws-full:{ws}"}


async def test_a_workspace_admin_renames_a_channel(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """An owner may rename a channel someone else created, without being in it."""
    design = await public(core, bruno, ws, "diseño")

    row = await core.channels.change(ana.id, design, ChannelChange(name="arte"))

    assert row.channel.name == "arte"


async def test_another_member_cannot_rename_a_channel(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User
) -> None:
    """A member of the channel who did not create it gets Forbidden channel.manager_only."""
    design = await public(core, bruno, ws, "diseño")
    await core.channels.add_member(carla.id, design, carla.id)

    with pytest.raises(Forbidden) as caught:
        await core.channels.change(carla.id, design, ChannelChange(name="mio"))

    assert caught.value.code == "channel.manager_only"
    assert (await core.channels.get(bruno.id, design)).channel.name == "diseño"


async def test_renaming_to_a_taken_name_is_refused(
    core: Tertulia, ws: WorkspaceId, ana: User
) -> None:
    """Renaming onto another channel's name gives Conflict channel.name_taken."""
    design = await public(core, ana, ws, "diseño")
    await private(core, ana, ws, "arte")

    with pytest.raises(Conflict) as caught:
        await core.channels.change(ana.id, design, ChannelChange(name="arte"))

    assert caught.value.code == "channel.name_taken"


async def test_any_member_sets_the_topic(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A member of the channel who did not create it may set its topic and purpose."""
    design = await public(core, ana, ws, "diseño")
    await core.channels.add_member(bruno.id, design, bruno.id)

    row = await core.channels.change(
        bruno.id, design, ChannelChange(topic="Bocetos  del lunes", purpose="Diseñar")
    )

    assert row.channel.topic == "Bocetos del lunes"
    assert row.channel.purpose == "Diseñar"


async def test_a_non_member_cannot_set_the_topic(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A plain member outside a public channel setting its topic gets Forbidden."""
    design = await public(core, ana, ws, "diseño")

    with pytest.raises(Forbidden) as caught:
        await core.channels.change(bruno.id, design, ChannelChange(topic="Spam"))

    assert caught.value.code == "channel.not_member"


async def test_an_archived_channel_is_read_only(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Once archived, a channel can still be read but its topic and members cannot change."""
    design = await public(core, ana, ws, "diseño")
    before = await last_event_id(database)

    row = await core.channels.change(ana.id, design, ChannelChange(archived=True))

    assert row.channel.is_archived
    assert [e.type for e in await logged(database, after=before)] == ["channel.archived"]
    assert (await core.channels.get(bruno.id, design)).channel.is_archived
    with pytest.raises(Conflict) as topic:
        await core.channels.change(ana.id, design, ChannelChange(topic="Nuevo"))
    assert topic.value.code == "channel.archived"
    with pytest.raises(Conflict) as adding:
        await core.channels.add_member(ana.id, design, bruno.id)
    assert adding.value.code == "channel.archived"
    with pytest.raises(Conflict) as joining:
        await core.channels.add_member(bruno.id, design, bruno.id)
    assert joining.value.code == "channel.archived"
    assert await member_ids(core, ana, design) == [ana.id]


async def test_archiving_twice_changes_nothing_the_second_time(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User
) -> None:
    """A retried archive succeeds, keeps the first archive time and tells nobody again."""
    design = await public(core, ana, ws, "diseño")
    first = await core.channels.change(ana.id, design, ChannelChange(archived=True))
    before = await last_event_id(database)

    again = await core.channels.change(ana.id, design, ChannelChange(archived=True))

    assert again.channel.archived_at == first.channel.archived_at
    assert await logged(database, after=before) == []


async def test_a_guest_cannot_probe_who_is_in_the_workspace(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A guest adding someone gets the same Forbidden whether that id is a member or not."""
    design = await public(core, ana, ws, "diseño")
    gus = await person(core, "gus")
    await enrol(core, ws, ana, gus, Role.GUEST, [design])
    codes = set()
    for target in (bruno.id, UserId("01JD0000000000000000000000")):
        with pytest.raises(Forbidden) as caught:
            await core.channels.add_member(gus.id, design, target)
        codes.add(caught.value.code)
    assert codes == {"workspace.guest_forbidden"}


async def test_an_archived_channel_can_be_unarchived(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Unarchiving brings the channel back to the list and it accepts changes again."""
    design = await public(core, ana, ws, "diseño")
    await core.channels.change(ana.id, design, ChannelChange(archived=True))
    before = await last_event_id(database)

    row = await core.channels.change(ana.id, design, ChannelChange(archived=False))

    assert not row.channel.is_archived
    assert [e.type for e in await logged(database, after=before)] == ["channel.unarchived"]
    assert "diseño" in await browse_names(core, bruno, ws)
    changed = await core.channels.change(ana.id, design, ChannelChange(topic="De vuelta"))
    assert changed.channel.topic == "De vuelta"
    _, added = await core.channels.add_member(bruno.id, design, bruno.id)
    assert added


async def test_a_plain_member_cannot_archive_a_channel(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A member of the channel who did not create it gets Forbidden channel.manager_only."""
    design = await public(core, ana, ws, "diseño")
    await core.channels.add_member(bruno.id, design, bruno.id)

    with pytest.raises(Forbidden) as caught:
        await core.channels.change(bruno.id, design, ChannelChange(archived=True))

    assert caught.value.code == "channel.manager_only"


async def test_general_cannot_be_archived(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    """Even the owner archiving #general gets Conflict channel.default."""
    with pytest.raises(Conflict) as caught:
        await core.channels.change(ana.id, general, ChannelChange(archived=True))

    assert caught.value.code == "channel.default"
    assert not (await core.channels.get(ana.id, general)).channel.is_archived


async def test_general_cannot_be_renamed(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    """Even the owner renaming #general gets Conflict channel.default."""
    with pytest.raises(Conflict) as caught:
        await core.channels.change(ana.id, general, ChannelChange(name="anuncios"))

    assert caught.value.code == "channel.default"
    assert (await core.channels.get(ana.id, general)).channel.name == "general"


# direct messages -------------------------------------------------------------------------------


async def test_opening_the_same_dm_again_returns_the_same_channel(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """The same people, in any order, by any of them, with repeats, reach one conversation."""
    first, created = await core.channels.open_dm(ana.id, ws, [bruno.id, carla.id])
    before = await last_event_id(database)

    again, created_again = await core.channels.open_dm(
        carla.id, ws, [bruno.id, ana.id, bruno.id, carla.id]
    )

    assert created
    assert not created_again
    assert again.channel.id == first.channel.id
    assert again.dm_user_ids == first.dm_user_ids
    assert await logged(database, after=before) == []


async def test_a_one_to_one_conversation_is_a_dm(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A DM between two people has kind dm, both in it, and only they hear of it."""
    before = await last_event_id(database)

    row, created = await core.channels.open_dm(ana.id, ws, [bruno.id])

    assert created
    assert row.channel.kind is ChannelKind.DM
    assert row.channel.name == ""
    assert row.member_count == 2
    assert row.dm_user_ids == tuple(sorted([ana.id, bruno.id]))
    assert (await core.channels.get(bruno.id, row.channel.id)).is_member
    events = await logged(database, after=before)
    assert [e.type for e in events] == ["channel.created"]
    assert set(events[0].audience) == {f"user:{ana.id}", f"user:{bruno.id}"}
    assert sorted(events[0].data["user_ids"]) == sorted([ana.id, bruno.id])


async def test_three_or_more_people_make_a_group_dm(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """A conversation among three has kind group_dm."""
    row, _ = await core.channels.open_dm(ana.id, ws, [bruno.id, carla.id])

    assert row.channel.kind is ChannelKind.GROUP_DM
    assert row.member_count == 3


async def test_a_dm_with_yourself_works(core: Tertulia, ws: WorkspaceId, ana: User) -> None:
    """Opening a DM with nobody else (or with oneself) gives one private note-to-self."""
    alone, created = await core.channels.open_dm(ana.id, ws, [])
    again, created_again = await core.channels.open_dm(ana.id, ws, [ana.id])

    assert created
    assert not created_again
    assert again.channel.id == alone.channel.id
    assert alone.channel.kind is ChannelKind.DM
    assert alone.member_count == 1
    assert alone.dm_user_ids == (ana.id,)


async def test_a_dm_has_at_most_nine_people(core: Tertulia, ws: WorkspaceId, ana: User) -> None:
    """Nine people (the opener included) may talk; a tenth gives Invalid dm.too_many."""
    others = []
    for name in ("bea", "ciro", "dora", "emil", "fabi", "gus", "hilda", "ivo", "jon"):
        user = await person(core, name)
        await enrol(core, ws, ana, user)
        others.append(user.id)

    nine, _ = await core.channels.open_dm(ana.id, ws, others[:8])
    with pytest.raises(Invalid) as caught:
        await core.channels.open_dm(ana.id, ws, others)

    assert nine.member_count == 9
    assert caught.value.code == "dm.too_many"
    page = await core.channels.browse(ana.id, ws, kinds=DIRECT)
    assert [row.channel.id for row in page.items] == [nine.channel.id]


async def test_a_dm_with_someone_outside_the_workspace_is_not_found(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, outsider: User
) -> None:
    """Naming someone who is not in the workspace gives NotFound and opens nothing."""
    with pytest.raises(NotFound) as caught:
        await core.channels.open_dm(ana.id, ws, [bruno.id, outsider.id])

    assert caught.value.code == "user.not_found"
    assert (await core.channels.browse(ana.id, ws, kinds=DIRECT)).items == []


async def test_someone_who_comes_back_gets_their_old_dm(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Bruno leaves the workspace and returns; Ana's DM with him is the old one, he is back
    in it, and he hears that he rejoined."""
    first, _ = await core.channels.open_dm(ana.id, ws, [bruno.id])
    await core.workspaces.remove(bruno.id, ws, bruno.id)
    await enrol(core, ws, ana, bruno)
    before = await last_event_id(database)

    again, created = await core.channels.open_dm(ana.id, ws, [bruno.id])

    assert not created
    assert again.channel.id == first.channel.id
    assert (await core.channels.get(bruno.id, first.channel.id)).is_member
    events = await logged(database, after=before)
    assert [e.type for e in events] == ["channel.member_joined"]
    assert events[0].data["user_id"] == bruno.id
    assert f"user:{bruno.id}" in events[0].audience


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(ChannelChange(name="charla"), id="rename"),
        pytest.param(ChannelChange(archived=True), id="archive"),
        pytest.param(ChannelChange(topic="Hola"), id="topic"),
    ],
)
async def test_dms_cannot_be_renamed_or_archived(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, change: ChannelChange
) -> None:
    """Renaming, describing or archiving a DM gives Conflict channel.is_direct."""
    dm, _ = await core.channels.open_dm(ana.id, ws, [bruno.id])

    with pytest.raises(Conflict) as caught:
        await core.channels.change(ana.id, dm.channel.id, change)

    assert caught.value.code == "channel.is_direct"


async def test_dms_cannot_be_left(core: Tertulia, ws: WorkspaceId, ana: User, bruno: User) -> None:
    """Leaving a DM gives Conflict channel.is_direct and both stay in it."""
    dm, _ = await core.channels.open_dm(ana.id, ws, [bruno.id])

    with pytest.raises(Conflict) as caught:
        await core.channels.remove_member(ana.id, dm.channel.id, ana.id)

    assert caught.value.code == "channel.is_direct"
    assert sorted(await member_ids(core, bruno, dm.channel.id)) == sorted([ana.id, bruno.id])


async def test_nobody_can_be_added_to_a_dm(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """Adding a third person to a DM gives Conflict channel.is_direct (open a new one)."""
    dm, _ = await core.channels.open_dm(ana.id, ws, [bruno.id])

    with pytest.raises(Conflict) as caught:
        await core.channels.add_member(ana.id, dm.channel.id, carla.id)

    assert caught.value.code == "channel.is_direct"


async def test_a_dm_is_hidden_from_those_outside_it(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """Carla asking for a DM between Ana and Bruno gets NotFound, even as a workspace member."""
    dm, _ = await core.channels.open_dm(ana.id, ws, [bruno.id])

    with pytest.raises(NotFound) as caught:
        await core.channels.get(carla.id, dm.channel.id)

    assert caught.value.code == "channel.not_found"


async def test_a_guest_can_dm_only_people_it_shares_a_channel_with(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A guest reaches the people of its channels; anyone else gives NotFound user.not_found."""
    lobby = await public(core, ana, ws, "recepcion")
    visitor = await guest(core, ws, ana, "gema", lobby)

    row, created = await core.channels.open_dm(visitor.id, ws, [ana.id])
    with pytest.raises(NotFound) as caught:
        await core.channels.open_dm(visitor.id, ws, [bruno.id])
    with pytest.raises(NotFound):
        await core.channels.open_dm(visitor.id, ws, [ana.id, bruno.id])

    assert created
    assert row.dm_user_ids == tuple(sorted([ana.id, visitor.id]))
    assert caught.value.code == "user.not_found"


async def test_a_member_can_dm_a_guest(core: Tertulia, ws: WorkspaceId, ana: User) -> None:
    """Full members may open a DM with a guest they share no channel with."""
    lobby = await public(core, ana, ws, "recepcion")
    visitor = await guest(core, ws, ana, "gema", lobby)
    bruno = await person(core, "bruno")
    await enrol(core, ws, ana, bruno)

    row, created = await core.channels.open_dm(bruno.id, ws, [visitor.id])

    assert created
    assert (await core.channels.get(visitor.id, row.channel.id)).is_member


# events ----------------------------------------------------------------------------------------


async def test_a_private_channel_is_announced_only_to_its_members(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User
) -> None:
    """Creating a private channel tells its members only, not the whole workspace."""
    before = await last_event_id(database)

    secret = await private(core, ana, ws, "secreto")

    events = await logged(database, after=before)
    assert [e.type for e in events] == ["channel.created"]
    assert events[0].audience == (f"ch:{secret}",)
    assert events[0].channel_id == secret
    assert events[0].workspace_id == ws
    assert events[0].data["kind"] == "private"
    assert events[0].data["name"] == "secreto"


async def test_a_public_channel_is_announced_to_every_full_member(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User
) -> None:
    """Creating a public channel tells its members and every full member of the workspace."""
    before = await last_event_id(database)

    design = await public(core, ana, ws, "diseño")

    events = await logged(database, after=before)
    assert [e.type for e in events] == ["channel.created"]
    assert set(events[0].audience) == {f"ch:{design}", f"ws-full:{ws}"}
    assert f"ws:{ws}" not in events[0].audience
    assert events[0].data["kind"] == "public"


async def test_the_new_member_hears_they_joined(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Whoever is added to a channel gets the member_joined event on their own scope."""
    design = await public(core, ana, ws, "diseño")
    before = await last_event_id(database)

    await core.channels.add_member(ana.id, design, bruno.id)

    events = await logged(database, "channel.member_joined", after=before)
    assert len(events) == 1
    assert f"user:{bruno.id}" in events[0].audience
    assert f"ch:{design}" in events[0].audience
    assert events[0].data["user_id"] == bruno.id
    assert events[0].data["channel"]["id"] == design


async def test_refused_changes_append_no_events(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A refused rename, join or DM leaves the event log as it was."""
    design = await public(core, ana, ws, "diseño")
    secret = await private(core, ana, ws, "secreto")
    before = await last_event_id(database)

    with pytest.raises(Forbidden):
        await core.channels.change(bruno.id, design, ChannelChange(name="mio"))
    with pytest.raises(NotFound):
        await core.channels.add_member(bruno.id, secret, bruno.id)
    with pytest.raises(Invalid):
        await core.channels.create(bruno.id, ws, "Diseño Web", ChannelKind.PUBLIC)

    assert await logged(database, after=before) == []
