"""Workspaces as their people see them: creating one, inviting, roles, leaving and listing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tertulia.adapters.sql.database import Database
from tertulia.domain.channels import ChannelKind
from tertulia.domain.errors import Conflict, Forbidden, Invalid, NotFound
from tertulia.domain.ids import WorkspaceId
from tertulia.domain.users import User
from tertulia.domain.workspaces import Role
from tertulia.usecases.core import Tertulia
from tertulia.usecases.workspaces import InvitationDraft, WorkspaceChange
from tests.conftest import Clock
from tests.usecases.teams import enrol, last_event_id, logged, person


@pytest.fixture
async def ana(core: Tertulia) -> User:
    return await person(core, "ana")


@pytest.fixture
async def bruno(core: Tertulia) -> User:
    return await person(core, "bruno")


@pytest.fixture
async def carla(core: Tertulia) -> User:
    return await person(core, "carla")


@pytest.fixture
async def dario(core: Tertulia) -> User:
    return await person(core, "dario")


@pytest.fixture
async def ws(core: Tertulia, ana: User) -> WorkspaceId:
    """Ana's workspace, where she is the only owner."""
    workspace, _ = await core.workspaces.create(ana.id, "Equipo Núcleo")
    return workspace.id


async def channel_names(core: Tertulia, user: User, workspace: WorkspaceId) -> list[str]:
    """The names of the channels the user is in, as their sidebar would list them."""
    page = await core.channels.browse(user.id, workspace, only_member=True, limit=200)
    return [row.channel.name for row in page.items]


async def role_of(core: Tertulia, user: User, workspace: WorkspaceId) -> Role:
    _, membership = await core.workspaces.get(user.id, workspace)
    return membership.role


# creating --------------------------------------------------------------------------------------


async def test_the_creator_owns_a_new_workspace(core: Tertulia, ana: User) -> None:
    """Whoever creates a workspace is its owner and finds it among their workspaces."""
    workspace, membership = await core.workspaces.create(
        ana.id, "Equipo Núcleo", description="Hola"
    )

    assert membership.role is Role.OWNER
    assert membership.user_id == ana.id
    assert workspace.created_by == ana.id
    assert workspace.description == "Hola"
    mine = (await core.workspaces.mine(ana.id)).items
    assert [(w.id, m.role) for w, m in mine] == [(workspace.id, Role.OWNER)]


async def test_a_new_workspace_has_a_public_general_channel_with_its_owner(
    core: Tertulia, ana: User
) -> None:
    """A fresh workspace opens on a public #general that the owner is already in."""
    workspace, _ = await core.workspaces.create(ana.id, "Equipo Núcleo")

    page = await core.channels.browse(ana.id, workspace.id)

    assert len(page.items) == 1
    general = page.items[0]
    assert general.channel.name == "general"
    assert general.channel.kind is ChannelKind.PUBLIC
    assert general.channel.is_default
    assert general.is_member
    assert general.member_count == 1


async def test_the_slug_is_derived_from_the_name(core: Tertulia, ana: User) -> None:
    """A workspace called "Café Técnico" gets the address slug "cafe-tecnico"."""
    workspace, _ = await core.workspaces.create(ana.id, "Café Técnico")

    assert workspace.name == "Café Técnico"
    assert workspace.slug == "cafe-tecnico"


async def test_a_name_without_latin_letters_still_gets_a_slug(core: Tertulia, ana: User) -> None:
    """A name with nothing to transliterate ("東京") gets a usable fallback slug."""
    workspace, _ = await core.workspaces.create(ana.id, "東京")

    assert workspace.slug == "team"


async def test_a_second_workspace_with_the_same_name_gets_a_numbered_slug(
    core: Tertulia, ana: User, bruno: User
) -> None:
    """Two teams may share a name; the second and third get "-2" and "-3" slugs."""
    first, _ = await core.workspaces.create(ana.id, "Café Técnico")
    second, _ = await core.workspaces.create(bruno.id, "Café Técnico")
    third, _ = await core.workspaces.create(ana.id, "Café Técnico")

    assert [first.slug, second.slug, third.slug] == [
        "cafe-tecnico",
        "cafe-tecnico-2",
        "cafe-tecnico-3",
    ]


async def test_an_explicit_slug_that_is_taken_is_refused(core: Tertulia, ana: User) -> None:
    """Asking for a slug another workspace has gives Conflict workspace.slug_taken."""
    await core.workspaces.create(ana.id, "Café Técnico")

    with pytest.raises(Conflict) as caught:
        await core.workspaces.create(ana.id, "Otro equipo", slug="cafe-tecnico")

    assert caught.value.code == "workspace.slug_taken"
    assert len((await core.workspaces.mine(ana.id)).items) == 1


async def test_an_explicit_slug_is_used_as_given(core: Tertulia, ana: User) -> None:
    """A free slug someone chose is kept (lowercased) rather than derived from the name."""
    workspace, _ = await core.workspaces.create(ana.id, "Café Técnico", slug="Tertulia-Cafe")

    assert workspace.slug == "tertulia-cafe"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("x" * 81, id="too-long"),
        pytest.param("Equipo\u202eevil", id="bidi-override"),
        pytest.param("Equipo\x00", id="control-character"),
        pytest.param("\u200d\u200c", id="invisible"),
    ],
)
async def test_bad_workspace_names_are_refused(core: Tertulia, ana: User, name: str) -> None:
    """An empty, overlong or deceptive name gives Invalid and creates nothing."""
    with pytest.raises(Invalid) as caught:
        await core.workspaces.create(ana.id, name)

    assert [e.field for e in caught.value.errors] == ["name"]
    assert (await core.workspaces.mine(ana.id)).items == []


async def test_a_bad_explicit_slug_is_refused(core: Tertulia, ana: User) -> None:
    """A slug with accents or spaces gives Invalid workspace.slug_invalid."""
    with pytest.raises(Invalid) as caught:
        await core.workspaces.create(ana.id, "Café Técnico", slug="café técnico")

    assert caught.value.code == "workspace.slug_invalid"


# inviting and accepting ------------------------------------------------------------------------


async def test_a_member_joins_general_and_the_invitations_channels(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Someone invited as a member lands in #general plus the channels the invitation names."""
    design = await core.channels.create(ana.id, ws, "diseño", ChannelKind.PUBLIC)
    secret = await core.channels.create(ana.id, ws, "secreto", ChannelKind.PRIVATE)
    await core.channels.create(ana.id, ws, "otro", ChannelKind.PUBLIC)
    _, token = await core.workspaces.invite(
        ana.id, ws, InvitationDraft(channel_ids=(design.channel.id, secret.channel.id))
    )
    before = await last_event_id(database)

    workspace, membership, joined = await core.workspaces.accept(bruno.id, token)

    assert joined
    assert workspace.id == ws
    assert membership.role is Role.MEMBER
    assert sorted(await channel_names(core, bruno, ws)) == ["diseño", "general", "secreto"]
    events = await logged(database, after=before)
    assert [e.type for e in events].count("workspace.member_joined") == 1
    joins = [e for e in events if e.type == "channel.member_joined"]
    assert len(joins) == 3
    assert all(f"user:{bruno.id}" in e.audience for e in joins)


async def test_a_guest_joins_only_the_invitations_channels(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A guest lands only in the channels named by the invitation, not in #general."""
    design = await core.channels.create(ana.id, ws, "diseño", ChannelKind.PUBLIC)
    await core.channels.create(ana.id, ws, "otro", ChannelKind.PUBLIC)

    membership = await enrol(core, ws, ana, bruno, Role.GUEST, [design.channel.id])

    assert membership.role is Role.GUEST
    assert await channel_names(core, bruno, ws) == ["diseño"]
    visible = await core.channels.browse(bruno.id, ws)
    assert [row.channel.name for row in visible.items] == ["diseño"]


async def test_news_of_a_newcomer_reaches_guests_only_through_shared_channels(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """Bruno joins as a member: full members, Bruno and the people of his channels hear it,
    but not the workspace as a whole, so Carla, a guest in another channel, does not."""
    design = await core.channels.create(ana.id, ws, "diseño", ChannelKind.PUBLIC)
    other = await core.channels.create(ana.id, ws, "otro", ChannelKind.PUBLIC)
    await enrol(core, ws, ana, carla, Role.GUEST, [other.channel.id])
    before = await last_event_id(database)

    await enrol(core, ws, ana, bruno, channel_ids=[design.channel.id])

    joined = await logged(database, "workspace.member_joined", after=before)
    general = next(
        row.channel.id
        for row in (await core.channels.browse(ana.id, ws)).items
        if row.channel.is_default
    )
    assert set(joined[0].audience) == {
        f"ws-full:{ws}",
        f"user:{bruno.id}",
        f"ch:{general}",
        f"ch:{design.channel.id}",
    }
    assert f"ch:{other.channel.id}" not in joined[0].audience


async def test_accepting_twice_changes_nothing_and_does_not_use_the_invitation(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """Following the same link again says "already joined" and leaves its uses for others."""
    _, token = await core.workspaces.invite(ana.id, ws, InvitationDraft(max_uses=2))
    await core.workspaces.accept(bruno.id, token)
    before = await last_event_id(database)

    _, membership, joined = await core.workspaces.accept(bruno.id, token)

    assert not joined
    assert membership.role is Role.MEMBER
    assert await logged(database, after=before) == []
    _, _, carla_joined = await core.workspaces.accept(carla.id, token)
    assert carla_joined


async def test_an_expired_invitation_is_refused(
    core: Tertulia, clock: Clock, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A link used after its expiry gives Conflict invitation.expired and nobody joins."""
    _, token = await core.workspaces.invite(
        ana.id, ws, InvitationDraft(expires_in=timedelta(days=7))
    )
    clock.advance(days=7)

    with pytest.raises(Conflict) as caught:
        await core.workspaces.accept(bruno.id, token)

    assert caught.value.code == "invitation.expired"
    with pytest.raises(NotFound):
        await core.workspaces.get(bruno.id, ws)


async def test_an_invitation_works_until_just_before_it_expires(
    core: Tertulia, clock: Clock, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A link followed a minute before its expiry still lets its holder in."""
    _, token = await core.workspaces.invite(
        ana.id, ws, InvitationDraft(expires_in=timedelta(days=7))
    )
    clock.advance(days=7, minutes=-1)

    _, _, joined = await core.workspaces.accept(bruno.id, token)

    assert joined


async def test_a_used_up_invitation_is_refused(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """A single-use link lets one person in; the next gets Conflict invitation.used_up."""
    _, token = await core.workspaces.invite(ana.id, ws, InvitationDraft(max_uses=1))
    await core.workspaces.accept(bruno.id, token)

    with pytest.raises(Conflict) as caught:
        await core.workspaces.accept(carla.id, token)

    assert caught.value.code == "invitation.used_up"
    with pytest.raises(NotFound):
        await core.workspaces.get(carla.id, ws)


async def test_a_revoked_invitation_admits_nobody(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Ana revokes her link: Bruno is refused with invitation.revoked and it no longer lists."""
    invitation, token = await core.workspaces.invite(ana.id, ws, InvitationDraft(max_uses=5))
    assert [i.id for i in await core.workspaces.invitations(ana.id, ws)] == [invitation.id]
    await core.workspaces.revoke(ana.id, ws, invitation.id)
    await core.workspaces.revoke(ana.id, ws, invitation.id)  # twice is fine

    with pytest.raises(Conflict) as caught:
        await core.workspaces.accept(bruno.id, token)

    assert caught.value.code == "invitation.revoked"
    assert await core.workspaces.invitations(ana.id, ws) == []


async def test_members_see_and_revoke_only_their_own_invitations(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Bruno (a member) lists only his links and cannot revoke Ana's; Ana (owner) sees all."""
    await enrol(core, ws, ana, bruno)
    mine, _ = await core.workspaces.invite(bruno.id, ws, InvitationDraft(max_uses=3))
    hers, _ = await core.workspaces.invite(ana.id, ws, InvitationDraft(max_uses=3))

    assert [i.id for i in await core.workspaces.invitations(bruno.id, ws)] == [mine.id]
    assert {i.id for i in await core.workspaces.invitations(ana.id, ws)} >= {mine.id, hers.id}
    with pytest.raises(NotFound):
        await core.workspaces.revoke(bruno.id, ws, hers.id)


async def test_links_of_someone_who_left_stop_working(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """Bruno made an admin link, then was removed: Carla cannot use it to get in."""
    await enrol(core, ws, ana, bruno, role=Role.ADMIN)
    _, token = await core.workspaces.invite(
        bruno.id, ws, InvitationDraft(role=Role.ADMIN, max_uses=100)
    )
    await core.workspaces.remove(ana.id, ws, bruno.id)

    with pytest.raises(Conflict) as caught:
        await core.workspaces.accept(carla.id, token)

    assert caught.value.code == "invitation.revoked"
    with pytest.raises(NotFound):
        await core.workspaces.get(carla.id, ws)


async def test_links_die_with_their_creators_right_to_give_the_role(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """Bruno made an admin link as an admin, then became a member: the link no longer works."""
    await enrol(core, ws, ana, bruno, role=Role.ADMIN)
    _, token = await core.workspaces.invite(
        bruno.id, ws, InvitationDraft(role=Role.ADMIN, max_uses=100)
    )
    await core.workspaces.change_role(ana.id, ws, bruno.id, Role.MEMBER)

    with pytest.raises(Conflict) as caught:
        await core.workspaces.accept(carla.id, token)

    assert caught.value.code == "invitation.revoked"


async def test_an_unknown_invitation_token_is_not_found(core: Tertulia, bruno: User) -> None:
    """A made-up or mistyped link gives NotFound invitation.not_found."""
    with pytest.raises(NotFound) as caught:
        await core.workspaces.accept(bruno.id, "no-such-token")

    assert caught.value.code == "invitation.not_found"


async def test_a_member_cannot_invite_an_admin(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A plain member asking for an admin invitation gets Forbidden workspace.admin_only."""
    await enrol(core, ws, ana, bruno)

    with pytest.raises(Forbidden) as caught:
        await core.workspaces.invite(bruno.id, ws, InvitationDraft(role=Role.ADMIN))

    assert caught.value.code == "workspace.admin_only"


async def test_a_member_can_invite_members_and_guests(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A plain member may bring in other members and guests."""
    await enrol(core, ws, ana, bruno)
    design = await core.channels.create(bruno.id, ws, "diseño", ChannelKind.PUBLIC)

    member, _ = await core.workspaces.invite(bruno.id, ws, InvitationDraft(role=Role.MEMBER))
    guest, _ = await core.workspaces.invite(
        bruno.id, ws, InvitationDraft(role=Role.GUEST, channel_ids=(design.channel.id,))
    )

    assert member.role is Role.MEMBER
    assert guest.role is Role.GUEST


async def test_nobody_is_invited_as_an_owner(core: Tertulia, ws: WorkspaceId, ana: User) -> None:
    """Even an owner cannot invite an owner (Invalid): owners are made by promotion."""
    with pytest.raises(Invalid) as caught:
        await core.workspaces.invite(ana.id, ws, InvitationDraft(role=Role.OWNER))

    assert caught.value.code == "invitation.owner_role"


@pytest.mark.parametrize("role", [Role.MEMBER, Role.GUEST])
async def test_a_guest_cannot_invite_anyone(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, role: Role
) -> None:
    """A guest asking for any invitation gets Forbidden workspace.guest_forbidden."""
    design = await core.channels.create(ana.id, ws, "diseño", ChannelKind.PUBLIC)
    await enrol(core, ws, ana, bruno, Role.GUEST, [design.channel.id])

    with pytest.raises(Forbidden) as caught:
        await core.workspaces.invite(
            bruno.id, ws, InvitationDraft(role=role, channel_ids=(design.channel.id,))
        )

    assert caught.value.code == "workspace.guest_forbidden"


async def test_a_guest_invitation_must_name_channels(
    core: Tertulia, ws: WorkspaceId, ana: User
) -> None:
    """A guest invitation with no channels gives Invalid (the guest would see nothing)."""
    with pytest.raises(Invalid) as caught:
        await core.workspaces.invite(ana.id, ws, InvitationDraft(role=Role.GUEST))

    assert caught.value.code == "invitation.guest_without_channels"
    assert [e.field for e in caught.value.errors] == ["channel_ids"]


async def test_an_invitation_cannot_name_a_private_channel_the_inviter_is_not_in(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Naming a private channel you cannot see gives Invalid, as if it did not exist."""
    await enrol(core, ws, ana, bruno)
    secret = await core.channels.create(ana.id, ws, "secreto", ChannelKind.PRIVATE)

    with pytest.raises(Invalid) as caught:
        await core.workspaces.invite(
            bruno.id, ws, InvitationDraft(role=Role.GUEST, channel_ids=(secret.channel.id,))
        )

    assert caught.value.code == "channel.not_found"
    assert [e.field for e in caught.value.errors] == ["channel_ids"]


async def test_an_invitation_cannot_name_a_channel_of_another_workspace(
    core: Tertulia, ws: WorkspaceId, ana: User
) -> None:
    """A channel id from another workspace gives Invalid, even when the inviter is in it."""
    other, _ = await core.workspaces.create(ana.id, "Otro equipo")
    elsewhere = await core.channels.create(ana.id, other.id, "fuera", ChannelKind.PUBLIC)

    with pytest.raises(Invalid) as caught:
        await core.workspaces.invite(
            ana.id, ws, InvitationDraft(role=Role.GUEST, channel_ids=(elsewhere.channel.id,))
        )

    assert caught.value.code == "channel.not_found"


@pytest.mark.parametrize(
    ("draft", "code"),
    [
        pytest.param(InvitationDraft(max_uses=0), "invitation.max_uses", id="no-uses"),
        pytest.param(InvitationDraft(max_uses=1001), "invitation.max_uses", id="too-many-uses"),
        pytest.param(
            InvitationDraft(expires_in=timedelta(minutes=4)), "invitation.expiry", id="too-short"
        ),
        pytest.param(
            InvitationDraft(expires_in=timedelta(days=31)), "invitation.expiry", id="too-long"
        ),
    ],
)
async def test_invitation_limits_are_checked(
    core: Tertulia, ws: WorkspaceId, ana: User, draft: InvitationDraft, code: str
) -> None:
    """An invitation with no uses, too many, or an absurd lifetime gives Invalid."""
    with pytest.raises(Invalid) as caught:
        await core.workspaces.invite(ana.id, ws, draft)

    assert caught.value.code == code


# roles -----------------------------------------------------------------------------------------


async def test_an_owner_promotes_a_member_to_admin_and_to_owner(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """The owner can make a member an admin, then an owner; everyone hears of each change."""
    await enrol(core, ws, ana, bruno)
    before = await last_event_id(database)

    admin = await core.workspaces.change_role(ana.id, ws, bruno.id, Role.ADMIN)
    owner = await core.workspaces.change_role(ana.id, ws, bruno.id, Role.OWNER)

    assert admin.membership.role is Role.ADMIN
    assert admin.user.id == bruno.id
    assert owner.membership.role is Role.OWNER
    assert await role_of(core, bruno, ws) is Role.OWNER
    events = await logged(database, "workspace.member_updated", after=before)
    assert [e.data["role"] for e in events] == ["admin", "owner"]
    his_channels = {
        f"ch:{row.channel.id}"
        for row in (await core.channels.browse(bruno.id, ws, only_member=True)).items
    }
    for event in events:
        assert set(event.audience) == {f"ws-full:{ws}", f"user:{bruno.id}"} | his_channels, (
            "full members, Bruno and the people of his channels hear it; other guests do not"
        )


async def test_giving_someone_the_role_they_have_changes_nothing(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Setting a member's role to member again appends no event."""
    await enrol(core, ws, ana, bruno)
    before = await last_event_id(database)

    row = await core.workspaces.change_role(ana.id, ws, bruno.id, Role.MEMBER)

    assert row.membership.role is Role.MEMBER
    assert await logged(database, after=before) == []


async def test_an_admin_cannot_make_an_owner(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """An admin promoting someone to owner gets Forbidden workspace.owner_only."""
    await enrol(core, ws, ana, bruno, Role.ADMIN)
    await enrol(core, ws, ana, carla)

    with pytest.raises(Forbidden) as caught:
        await core.workspaces.change_role(bruno.id, ws, carla.id, Role.OWNER)

    assert caught.value.code == "workspace.owner_only"
    assert await role_of(core, carla, ws) is Role.MEMBER


async def test_an_admin_cannot_unmake_an_owner(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """An admin demoting an owner gets Forbidden workspace.owner_only, even with two owners."""
    await enrol(core, ws, ana, bruno, Role.ADMIN)
    await enrol(core, ws, ana, carla)
    await core.workspaces.change_role(ana.id, ws, carla.id, Role.OWNER)

    with pytest.raises(Forbidden) as caught:
        await core.workspaces.change_role(bruno.id, ws, ana.id, Role.MEMBER)

    assert caught.value.code == "workspace.owner_only"
    assert await role_of(core, ana, ws) is Role.OWNER


async def test_an_admin_changes_roles_below_owner(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """An admin can make a member an admin and turn a member into a guest."""
    await enrol(core, ws, ana, bruno, Role.ADMIN)
    await enrol(core, ws, ana, carla)

    row = await core.workspaces.change_role(bruno.id, ws, carla.id, Role.GUEST)

    assert row.membership.role is Role.GUEST
    assert await role_of(core, carla, ws) is Role.GUEST


async def test_the_last_owner_cannot_step_down(core: Tertulia, ws: WorkspaceId, ana: User) -> None:
    """The only owner demoting themself gets Conflict workspace.last_owner."""
    with pytest.raises(Conflict) as caught:
        await core.workspaces.change_role(ana.id, ws, ana.id, Role.ADMIN)

    assert caught.value.code == "workspace.last_owner"
    assert await role_of(core, ana, ws) is Role.OWNER


async def test_an_owner_can_step_down_once_there_is_another(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """With a second owner in place, the first may become an admin."""
    await enrol(core, ws, ana, bruno)
    await core.workspaces.change_role(ana.id, ws, bruno.id, Role.OWNER)

    row = await core.workspaces.change_role(ana.id, ws, ana.id, Role.ADMIN)

    assert row.membership.role is Role.ADMIN


@pytest.mark.parametrize("new", [Role.ADMIN, Role.GUEST])
async def test_a_member_cannot_change_roles(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User, new: Role
) -> None:
    """A plain member changing anyone's role gets Forbidden workspace.admin_only."""
    await enrol(core, ws, ana, bruno)
    await enrol(core, ws, ana, carla)

    with pytest.raises(Forbidden) as caught:
        await core.workspaces.change_role(bruno.id, ws, carla.id, new)

    assert caught.value.code == "workspace.admin_only"
    assert await role_of(core, carla, ws) is Role.MEMBER


async def test_changing_the_role_of_a_stranger_is_not_found(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Changing the role of someone outside the workspace gives NotFound member.not_found."""
    with pytest.raises(NotFound) as caught:
        await core.workspaces.change_role(ana.id, ws, bruno.id, Role.ADMIN)

    assert caught.value.code == "member.not_found"


# removing and leaving --------------------------------------------------------------------------


async def test_a_removed_member_loses_every_channel_of_the_workspace(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """An admin removes Carla: she leaves #general, public, private and direct conversations,
    each channel hears of it, and so does the workspace."""
    await enrol(core, ws, ana, bruno, Role.ADMIN)
    await enrol(core, ws, ana, carla)
    design = await core.channels.create(ana.id, ws, "diseño", ChannelKind.PUBLIC)
    secret = await core.channels.create(ana.id, ws, "secreto", ChannelKind.PRIVATE)
    await core.channels.add_member(carla.id, design.channel.id, carla.id)
    await core.channels.add_member(ana.id, secret.channel.id, carla.id)
    dm, _ = await core.channels.open_dm(carla.id, ws, [bruno.id])
    group, _ = await core.channels.open_dm(ana.id, ws, [bruno.id, carla.id])
    general = (await core.channels.browse(ana.id, ws, only_member=True)).items
    general_id = next(row.channel.id for row in general if row.channel.name == "general")
    other, _ = await core.workspaces.create(ana.id, "Otro equipo")
    await enrol(core, other.id, ana, carla)
    before = await last_event_id(database)

    await core.workspaces.remove(bruno.id, ws, carla.id)

    with pytest.raises(NotFound):
        await core.workspaces.get(carla.id, ws)
    stayer = {
        general_id: ana,
        design.channel.id: ana,
        secret.channel.id: ana,
        dm.channel.id: bruno,
        group.channel.id: ana,
    }
    lost = set(stayer)
    for channel_id, viewer in stayer.items():
        with pytest.raises(NotFound):
            await core.channels.get(carla.id, channel_id)
        members = await core.channels.members(viewer.id, channel_id, None, 200)
        assert carla.id not in [row.user.id for row in members.items]
    assert await channel_names(core, carla, other.id) == ["general"]
    events = await logged(database, after=before)
    left = [e for e in events if e.type == "channel.member_left"]
    assert {e.channel_id for e in left} == lost
    assert len(left) == len(lost)
    for event in left:
        assert event.data["user_id"] == carla.id
        assert event.data["by"] == bruno.id
        assert f"user:{carla.id}" in event.audience
        assert f"ch:{event.channel_id}" in event.audience
    gone = [e for e in events if e.type == "workspace.member_left"]
    assert len(gone) == 1
    assert gone[0].data == {"workspace_id": ws, "user_id": carla.id, "by": bruno.id}
    assert set(gone[0].audience) == {f"ws-full:{ws}", f"user:{carla.id}"} | {
        f"ch:{channel_id}" for channel_id in lost
    }


async def test_a_member_can_leave(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A member who leaves no longer finds the workspace among theirs."""
    await enrol(core, ws, ana, bruno)
    before = await last_event_id(database)

    await core.workspaces.remove(bruno.id, ws, bruno.id)

    assert (await core.workspaces.mine(bruno.id)).items == []
    events = await logged(database, "workspace.member_left", after=before)
    assert [e.data["by"] for e in events] == [bruno.id]


async def test_the_last_owner_cannot_leave(core: Tertulia, ws: WorkspaceId, ana: User) -> None:
    """The only owner leaving gets Conflict workspace.last_owner and stays."""
    with pytest.raises(Conflict) as caught:
        await core.workspaces.remove(ana.id, ws, ana.id)

    assert caught.value.code == "workspace.last_owner"
    assert await role_of(core, ana, ws) is Role.OWNER
    assert await channel_names(core, ana, ws) == ["general"]


async def test_a_member_cannot_remove_someone_else(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """A plain member removing another gets Forbidden workspace.admin_only."""
    await enrol(core, ws, ana, bruno)
    await enrol(core, ws, ana, carla)

    with pytest.raises(Forbidden) as caught:
        await core.workspaces.remove(bruno.id, ws, carla.id)

    assert caught.value.code == "workspace.admin_only"
    assert await role_of(core, carla, ws) is Role.MEMBER


async def test_an_admin_cannot_remove_an_owner(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """An admin removing an owner gets Forbidden workspace.owner_only."""
    await enrol(core, ws, ana, bruno, Role.ADMIN)

    with pytest.raises(Forbidden) as caught:
        await core.workspaces.remove(bruno.id, ws, ana.id)

    assert caught.value.code == "workspace.owner_only"


# listing members -------------------------------------------------------------------------------


async def test_members_are_listed_page_by_page_in_username_order(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User, dario: User
) -> None:
    """Paging through the member list two at a time shows everyone once, by username."""
    elena = await person(core, "elena")
    for user in (dario, bruno, elena, carla):
        await enrol(core, ws, ana, user)
    seen: list[str] = []
    pages = 0
    after: str | None = None

    while True:
        page = await core.workspaces.members(bruno.id, ws, after, 2)
        pages += 1
        assert len(page.items) <= 2
        seen.extend(row.user.username for row in page.items)
        if page.next_cursor is None:
            break
        after = page.next_cursor

    assert seen == ["ana", "bruno", "carla", "dario", "elena"]
    assert pages == 3


async def test_the_member_list_shows_roles(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Each person in the member list comes with their role in the workspace."""
    await enrol(core, ws, ana, bruno, Role.ADMIN)

    page = await core.workspaces.members(ana.id, ws, None, 50)

    assert [(r.user.username, r.membership.role) for r in page.items] == [
        ("ana", Role.OWNER),
        ("bruno", Role.ADMIN),
    ]
    assert page.next_cursor is None


async def test_guests_cannot_list_the_members(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A guest asking for the member list gets Forbidden workspace.guest_forbidden."""
    design = await core.channels.create(ana.id, ws, "diseño", ChannelKind.PUBLIC)
    await enrol(core, ws, ana, bruno, Role.GUEST, [design.channel.id])

    with pytest.raises(Forbidden) as caught:
        await core.workspaces.members(bruno.id, ws, None, 50)

    assert caught.value.code == "workspace.guest_forbidden"


# outsiders -------------------------------------------------------------------------------------


async def test_outsiders_cannot_get_the_workspace(
    core: Tertulia, ws: WorkspaceId, bruno: User
) -> None:
    """Someone outside gets NotFound workspace.not_found, as if it did not exist."""
    with pytest.raises(NotFound) as caught:
        await core.workspaces.get(bruno.id, ws)

    assert caught.value.code == "workspace.not_found"


async def test_outsiders_cannot_list_members(core: Tertulia, ws: WorkspaceId, bruno: User) -> None:
    """Someone outside asking for the member list gets NotFound workspace.not_found."""
    with pytest.raises(NotFound) as caught:
        await core.workspaces.members(bruno.id, ws, None, 50)

    assert caught.value.code == "workspace.not_found"


async def test_outsiders_cannot_invite(core: Tertulia, ws: WorkspaceId, bruno: User) -> None:
    """Someone outside creating an invitation gets NotFound workspace.not_found."""
    with pytest.raises(NotFound) as caught:
        await core.workspaces.invite(bruno.id, ws, InvitationDraft())

    assert caught.value.code == "workspace.not_found"


async def test_outsiders_cannot_change_the_workspace(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Someone outside renaming the workspace gets NotFound and the name stays."""
    with pytest.raises(NotFound) as caught:
        await core.workspaces.change(bruno.id, ws, WorkspaceChange(name="Robado"))

    assert caught.value.code == "workspace.not_found"
    workspace, _ = await core.workspaces.get(ana.id, ws)
    assert workspace.name == "Equipo Núcleo"


async def test_outsiders_cannot_change_roles(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Someone outside changing a role gets NotFound workspace.not_found."""
    with pytest.raises(NotFound) as caught:
        await core.workspaces.change_role(bruno.id, ws, ana.id, Role.MEMBER)

    assert caught.value.code == "workspace.not_found"
    assert await role_of(core, ana, ws) is Role.OWNER


async def test_outsiders_cannot_remove_anyone(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """Someone outside removing a member gets NotFound workspace.not_found."""
    with pytest.raises(NotFound) as caught:
        await core.workspaces.remove(bruno.id, ws, ana.id)

    assert caught.value.code == "workspace.not_found"


async def test_an_unknown_workspace_is_not_found(core: Tertulia, ana: User) -> None:
    """A workspace id that names nothing gives the same NotFound as one you are not in."""
    with pytest.raises(NotFound) as caught:
        await core.workspaces.get(ana.id, WorkspaceId("01JD0000000000000000000000"))

    assert caught.value.code == "workspace.not_found"


# changing --------------------------------------------------------------------------------------


async def test_an_admin_renames_the_workspace_and_everyone_hears(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """An admin's new name and description are kept (slug unchanged) and announced to all."""
    await enrol(core, ws, ana, bruno, Role.ADMIN)
    before = await last_event_id(database)

    workspace, _ = await core.workspaces.change(
        bruno.id, ws, WorkspaceChange(name="Café Técnico", description="Charlas")
    )

    assert workspace.name == "Café Técnico"
    assert workspace.description == "Charlas"
    fetched, _ = await core.workspaces.get(ana.id, ws)
    assert fetched == workspace
    assert fetched.slug == "equipo-nucleo"
    events = await logged(database, "workspace.updated", after=before)
    assert [e.audience for e in events] == [(f"ws:{ws}",)]


async def test_a_member_cannot_change_the_workspace(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User
) -> None:
    """A plain member renaming the workspace gets Forbidden workspace.admin_only."""
    await enrol(core, ws, ana, bruno)

    with pytest.raises(Forbidden) as caught:
        await core.workspaces.change(bruno.id, ws, WorkspaceChange(name="Mío"))

    assert caught.value.code == "workspace.admin_only"


async def test_ones_workspaces_come_a_page_at_a_time(core: Tertulia, ana: User) -> None:
    """Someone in many workspaces pages through them by name, each exactly once."""
    names = [f"Equipo {n:02d}" for n in range(7)]
    for name in reversed(names):
        await core.workspaces.create(ana.id, name)
    seen, after = [], None
    while True:
        page = await core.workspaces.mine(ana.id, after, limit=3)
        seen += [w.name for w, _ in page.items]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert seen == names
