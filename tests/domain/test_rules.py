"""Tests of the domain's decisions: the password policy, who may do what in a workspace and in
its channels, and the shape of ids."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tertulia.domain import channels, ids, users, workspaces
from tertulia.domain.channels import Channel, ChannelChange, ChannelKind
from tertulia.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from tertulia.domain.ids import ChannelId, InvitationId, UserId, WorkspaceId
from tertulia.domain.workspaces import Invitation, Membership, Role

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
WS = WorkspaceId("01JDWS00000000000000000000")
OTHER_WS = WorkspaceId("01JDWS00000000000000000001")
COMMON = frozenset({"correcthorse", "qwertyuiop", "contraseña123"})


def member(name: str, role: Role = Role.MEMBER, workspace: WorkspaceId = WS) -> Membership:
    return Membership(workspace, UserId(name), role, NOW)


def channel(
    kind: ChannelKind = ChannelKind.PUBLIC,
    *,
    created_by: str = "creator",
    archived: bool = False,
    is_default: bool = False,
    workspace: WorkspaceId = WS,
) -> Channel:
    return Channel(
        id=ChannelId("01JDCH00000000000000000000"),
        workspace_id=workspace,
        kind=kind,
        name="" if kind.is_direct else "design",
        topic="",
        purpose="",
        created_by=UserId(created_by),
        created_at=NOW,
        archived_at=NOW if archived else None,
        is_default=is_default,
    )


def code_of(error: type[DomainError], call: object, *args: object, **kwargs: object) -> str:
    """The code of the error of that type which the call raises (it must raise one)."""
    assert callable(call)
    with pytest.raises(error) as caught:
        call(*args, **kwargs)
    return caught.value.code


def check_password(password: str, username: str = "ana", email: str = "ana.g@example.com") -> None:
    users.check_password(password, username=username, email=email, common=COMMON)


# passwords -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "tortilla-de-patatas",
        "x" * 6 + "yzw9",  # exactly 10 characters
        "abcdabcdab",  # exactly 4 distinct characters
        "🔥🌊🌲🌙⭐🍀🎲🎯🚀🦊",  # ten emoji are ten characters
        "contraseña segura del 2026",
        "p" * 252 + "wxyz",  # exactly 256 characters
    ],
)
def test_good_passwords_are_accepted(password: str) -> None:
    """A long enough, personal-free, uncommon password with some variety is accepted."""
    check_password(password)


@pytest.mark.parametrize("password", ["", "abc", "abcdefghi", "🔥🌊🌲🌙⭐🍀🎲🎯🚀"])
def test_short_passwords_are_refused(password: str) -> None:
    """Fewer than 10 characters is refused with a message saying the minimum."""
    with pytest.raises(Invalid) as caught:
        check_password(password)
    assert caught.value.code == "password.too_short"
    assert "10" in caught.value.detail
    assert [(e.field, e.code) for e in caught.value.errors] == [("password", "password.too_short")]


def test_overlong_passwords_are_refused() -> None:
    """More than 256 characters is refused, so nobody can make the server hash megabytes."""
    assert code_of(Invalid, check_password, "p" * 253 + "wxyz") == "password.too_long"


@pytest.mark.parametrize(
    "password",
    ["ana-is-great-2026", "xxANAxxyyzz", "my name is Ana!"],
)
def test_passwords_containing_the_username_are_refused(password: str) -> None:
    """A password with the username anywhere in it, in any case, is refused."""
    assert code_of(Invalid, check_password, password) == "password.personal"


@pytest.mark.parametrize(
    "password",
    ["ana.garcia.lopez@example.com", "ANA.Garcia.Lopez@Example.COM", "Ana.Garcia.Lopez"],
)
def test_passwords_equal_to_the_email_or_its_local_part_are_refused(password: str) -> None:
    """The email address, or the part before the '@', cannot be the password, in any case."""
    with pytest.raises(Invalid) as caught:
        check_password(password, username="zorro", email="ana.garcia.lopez@example.com")
    assert caught.value.code == "password.personal"


def test_a_password_merely_containing_the_email_local_part_is_accepted() -> None:
    """Only equality with the email counts: a longer password that includes it is fine."""
    check_password("ana.garcia.lopez-sails-2026", username="zorro", email="ana.garcia.lopez@x.io")


def test_the_personal_check_uses_the_given_field() -> None:
    """A refused new password names the field the form used for it."""
    with pytest.raises(Invalid) as caught:
        users.check_password(
            "ana-rules-forever",
            username="ana",
            email="ana@example.com",
            common=COMMON,
            field="new_password",
        )
    assert [e.field for e in caught.value.errors] == ["new_password"]


@pytest.mark.parametrize(
    "password", ["correcthorse", "CorrectHorse", "QWERTYUIOP", "Contraseña123"]
)
def test_common_passwords_are_refused_in_any_case(password: str) -> None:
    """A password from the common list is refused even when typed in other capitals."""
    assert code_of(Invalid, check_password, password) == "password.common"


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaa", "abababababab", "abcabcabca", "🔥🔥🔥🔥🔥🌊🌊🌊🌊🌊"]
)
def test_passwords_with_fewer_than_four_distinct_characters_are_refused(password: str) -> None:
    """'aaaaaaaaaa' and 'abcabcabca' are long but guessable, so they are refused."""
    assert code_of(Invalid, check_password, password) == "password.repetitive"


# workspace roles -----------------------------------------------------------------------------


@pytest.mark.parametrize("actor_role", [Role.MEMBER, Role.GUEST])
def test_only_admins_change_roles(actor_role: Role) -> None:
    """Members and guests cannot change anyone's role."""
    actor = member("ana", actor_role)
    target = member("bob")
    assert (
        code_of(Forbidden, workspaces.check_role_change, actor, target, Role.ADMIN, 1)
        == "workspace.admin_only"
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (Role.MEMBER, Role.ADMIN),
        (Role.ADMIN, Role.MEMBER),
        (Role.GUEST, Role.MEMBER),
        (Role.MEMBER, Role.GUEST),
    ],
)
def test_admins_change_roles_below_owner(old: Role, new: Role) -> None:
    """An admin can promote members to admin, demote admins, and turn guests into members."""
    workspaces.check_role_change(member("ana", Role.ADMIN), member("bob", old), new, 1)


@pytest.mark.parametrize(("old", "new"), [(Role.MEMBER, Role.OWNER), (Role.OWNER, Role.ADMIN)])
def test_admins_cannot_make_or_unmake_owners(old: Role, new: Role) -> None:
    """Only an owner can give or take away ownership."""
    actor = member("ana", Role.ADMIN)
    target = member("bob", old)
    assert (
        code_of(Forbidden, workspaces.check_role_change, actor, target, new, 2)
        == "workspace.owner_only"
    )


def test_owners_make_owners() -> None:
    """An owner can make another member an owner."""
    workspaces.check_role_change(member("ana", Role.OWNER), member("bob"), Role.OWNER, 1)


def test_an_owner_steps_down_when_another_remains() -> None:
    """With two owners, one can become an admin."""
    ana = member("ana", Role.OWNER)
    workspaces.check_role_change(ana, ana, Role.ADMIN, 2)
    workspaces.check_role_change(ana, member("bob", Role.OWNER), Role.MEMBER, 2)


def test_the_last_owner_cannot_step_down() -> None:
    """A workspace always keeps an owner: the only one cannot demote themself."""
    ana = member("ana", Role.OWNER)
    assert (
        code_of(Conflict, workspaces.check_role_change, ana, ana, Role.ADMIN, 1)
        == "workspace.last_owner"
    )


def test_keeping_the_last_owner_an_owner_is_allowed() -> None:
    """Setting the sole owner's role to owner again changes nothing and is not refused."""
    ana = member("ana", Role.OWNER)
    workspaces.check_role_change(ana, ana, Role.OWNER, 1)


@pytest.mark.parametrize("role", list(Role))
def test_anyone_but_the_last_owner_may_leave(role: Role) -> None:
    """Guests, members, admins and (one of two) owners can leave a workspace."""
    me = member("ana", role)
    workspaces.check_removal(me, me, owners=2)


def test_the_last_owner_cannot_leave() -> None:
    """The only owner leaving would orphan the workspace, so it is refused."""
    ana = member("ana", Role.OWNER)
    assert code_of(Conflict, workspaces.check_removal, ana, ana, 1) == "workspace.last_owner"


@pytest.mark.parametrize("actor_role", [Role.MEMBER, Role.GUEST])
def test_only_admins_remove_others(actor_role: Role) -> None:
    """A member or guest cannot remove someone else."""
    assert (
        code_of(Forbidden, workspaces.check_removal, member("ana", actor_role), member("bob"), 1)
        == "workspace.admin_only"
    )


@pytest.mark.parametrize("target_role", [Role.ADMIN, Role.MEMBER, Role.GUEST])
def test_admins_remove_non_owners(target_role: Role) -> None:
    """An admin can remove admins, members and guests."""
    workspaces.check_removal(member("ana", Role.ADMIN), member("bob", target_role), 1)


def test_admins_cannot_remove_owners() -> None:
    """An admin cannot remove an owner."""
    assert (
        code_of(
            Forbidden,
            workspaces.check_removal,
            member("ana", Role.ADMIN),
            member("bob", Role.OWNER),
            2,
        )
        == "workspace.owner_only"
    )


def test_owners_remove_other_owners() -> None:
    """With two owners, one can remove the other."""
    workspaces.check_removal(member("ana", Role.OWNER), member("bob", Role.OWNER), 2)


GENERAL = (ChannelId("01JDCH00000000000000000000"),)


@pytest.mark.parametrize(
    ("actor_role", "role"),
    [
        (Role.OWNER, Role.ADMIN),
        (Role.ADMIN, Role.ADMIN),
        (Role.ADMIN, Role.MEMBER),
        (Role.MEMBER, Role.MEMBER),
        (Role.MEMBER, Role.GUEST),
    ],
)
def test_who_may_invite_whom(actor_role: Role, role: Role) -> None:
    """Admins invite admins and below; members invite members and guests."""
    workspaces.check_invite(member("ana", actor_role), role, GENERAL)


def test_guests_cannot_invite() -> None:
    """A guest cannot bring anyone in."""
    assert (
        code_of(Forbidden, workspaces.check_invite, member("ana", Role.GUEST), Role.GUEST, GENERAL)
        == "workspace.guest_forbidden"
    )


@pytest.mark.parametrize("actor_role", [Role.OWNER, Role.ADMIN, Role.MEMBER])
def test_nobody_is_invited_as_owner(actor_role: Role) -> None:
    """Ownership is given by promotion, never by an invitation link."""
    assert (
        code_of(Invalid, workspaces.check_invite, member("ana", actor_role), Role.OWNER, ())
        == "invitation.owner_role"
    )


def test_members_cannot_invite_admins() -> None:
    """A plain member cannot hand out admin rights through an invitation."""
    assert (
        code_of(Forbidden, workspaces.check_invite, member("ana"), Role.ADMIN, ())
        == "workspace.admin_only"
    )


def test_guest_invitations_name_their_channels() -> None:
    """A guest sees only the channels they are invited to, so an invitation must name some."""
    with pytest.raises(Invalid) as caught:
        workspaces.check_invite(member("ana", Role.ADMIN), Role.GUEST, ())
    assert caught.value.code == "invitation.guest_without_channels"
    assert [e.field for e in caught.value.errors] == ["channel_ids"]


INVITATION = Invitation(
    id=InvitationId("01JDIN00000000000000000000"),
    workspace_id=WS,
    role=Role.MEMBER,
    channel_ids=(),
    created_by=UserId("ana"),
    created_at=NOW,
    expires_at=NOW + timedelta(days=7),
    max_uses=1,
    uses=0,
    revoked=False,
)


def invitation(**changes: Any) -> Invitation:
    return dataclasses.replace(INVITATION, **changes)


INVITER = member("ana")


def test_a_fresh_invitation_is_usable() -> None:
    """An invitation link works before it expires, while uses remain."""
    invitation().check_usable(NOW, INVITER)


@pytest.mark.parametrize(
    ("changes", "at", "error", "code"),
    [
        ({"revoked": True}, NOW, Conflict, "invitation.revoked"),
        ({}, NOW + timedelta(days=7), Conflict, "invitation.expired"),
        ({"uses": 1}, NOW, Conflict, "invitation.used_up"),
    ],
)
def test_unusable_invitations_say_why(
    changes: dict[str, Any], at: datetime, error: type[DomainError], code: str
) -> None:
    """A revoked, expired or used-up invitation is refused with its reason."""
    assert code_of(error, invitation(**changes).check_usable, at, INVITER) == code


@pytest.mark.parametrize(
    ("role", "inviter"),
    [
        (Role.MEMBER, None),
        (Role.MEMBER, member("ana", Role.GUEST)),
        (Role.ADMIN, member("ana", Role.MEMBER)),
    ],
)
def test_invitations_die_with_their_creators_rights(role: Role, inviter: Membership | None) -> None:
    """A link stops working once its creator has left, or may no longer give its role."""
    assert (
        code_of(Conflict, invitation(role=role).check_usable, NOW, inviter) == "invitation.revoked"
    )


# channels ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "role", "is_member", "sees"),
    [
        (ChannelKind.PUBLIC, Role.MEMBER, False, True),
        (ChannelKind.PUBLIC, Role.ADMIN, False, True),
        (ChannelKind.PUBLIC, Role.GUEST, False, False),
        (ChannelKind.PUBLIC, Role.GUEST, True, True),
        (ChannelKind.PRIVATE, Role.MEMBER, False, False),
        (ChannelKind.PRIVATE, Role.OWNER, False, False),
        (ChannelKind.PRIVATE, Role.MEMBER, True, True),
        (ChannelKind.PRIVATE, Role.GUEST, True, True),
        (ChannelKind.DM, Role.OWNER, False, False),
        (ChannelKind.DM, Role.MEMBER, True, True),
        (ChannelKind.GROUP_DM, Role.ADMIN, False, False),
    ],
)
def test_who_sees_a_channel(kind: ChannelKind, role: Role, is_member: bool, sees: bool) -> None:
    """Members see their channels; full members see every public one; nobody else sees more."""
    assert channels.can_see(channel(kind), member("ana", role), is_member) is sees


@pytest.mark.parametrize("is_member", [False, True])
def test_channels_of_another_workspace_are_never_seen(is_member: bool) -> None:
    """Someone's membership in one workspace shows nothing of another, even a public channel."""
    actor = member("ana", Role.OWNER, workspace=OTHER_WS)
    assert channels.can_see(channel(ChannelKind.PUBLIC), actor, is_member) is False


def test_invisible_channels_are_not_found_rather_than_forbidden() -> None:
    """A private channel one is not in answers 'not found', so its existence stays secret."""
    assert (
        code_of(
            NotFound, channels.require_visible, channel(ChannelKind.PRIVATE), member("ana"), False
        )
        == "channel.not_found"
    )


@pytest.mark.parametrize("kind", [ChannelKind.DM, ChannelKind.GROUP_DM])
def test_direct_messages_cannot_be_changed(kind: ChannelKind) -> None:
    """A DM has no name, topic or archive state to change."""
    change = ChannelChange(topic="hello")
    assert (
        code_of(Conflict, channels.check_change, channel(kind), member("ana"), True, change)
        == "channel.is_direct"
    )


def test_members_set_the_topic_and_purpose() -> None:
    """Any member of a channel can set its topic and purpose."""
    channels.check_change(channel(), member("ana"), True, ChannelChange(topic="t", purpose="p"))


def test_non_members_cannot_set_the_topic() -> None:
    """Someone outside a channel cannot change what its topic says."""
    assert (
        code_of(
            Forbidden,
            channels.check_change,
            channel(),
            member("ana"),
            False,
            ChannelChange(topic="hijacked"),
        )
        == "channel.not_member"
    )


def test_admins_set_the_topic_from_outside() -> None:
    """A workspace admin can fix a channel's topic without joining it."""
    channels.check_change(channel(), member("ana", Role.ADMIN), False, ChannelChange(topic="t"))


@pytest.mark.parametrize("change", [ChannelChange(name="renamed"), ChannelChange(archived=True)])
def test_only_the_creator_or_an_admin_renames_or_archives(change: ChannelChange) -> None:
    """A member who did not create the channel cannot rename or archive it."""
    assert (
        code_of(Forbidden, channels.check_change, channel(), member("ana"), True, change)
        == "channel.manager_only"
    )


@pytest.mark.parametrize(
    ("actor", "is_member"),
    [
        (member("creator"), True),
        (member("ana", Role.ADMIN), False),
        (member("o", Role.OWNER), False),
    ],
)
def test_creators_and_admins_rename_and_archive(actor: Membership, is_member: bool) -> None:
    """The channel's creator, or any workspace admin, can rename and archive it."""
    channels.check_change(channel(), actor, is_member, ChannelChange(name="renamed"))
    channels.check_change(channel(), actor, is_member, ChannelChange(archived=True))


def test_archived_channels_are_read_only() -> None:
    """Changing the topic of an archived channel is refused."""
    archived = channel(archived=True)
    assert (
        code_of(
            Conflict,
            channels.check_change,
            archived,
            member("creator"),
            True,
            ChannelChange(topic="t"),
        )
        == "channel.archived"
    )


def test_archived_channels_can_be_unarchived_by_a_manager() -> None:
    """Unarchiving is the one change an archived channel accepts, and only from a manager."""
    archived = channel(archived=True)
    channels.check_change(archived, member("creator"), True, ChannelChange(archived=False))
    assert (
        code_of(
            Forbidden,
            channels.check_change,
            archived,
            member("ana"),
            True,
            ChannelChange(archived=False),
        )
        == "channel.manager_only"
    )


def test_the_default_channel_cannot_be_archived() -> None:
    """#general is where everyone lands, so even an owner cannot archive it."""
    assert (
        code_of(
            Conflict,
            channels.check_change,
            channel(is_default=True),
            member("ana", Role.OWNER),
            True,
            ChannelChange(archived=True),
        )
        == "channel.default"
    )


def test_full_members_join_public_channels() -> None:
    """Anyone but a guest can join a public channel by themself."""
    ana = member("ana")
    channels.check_add_member(channel(), ana, False, ana, joining=True)


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        (ChannelKind.PRIVATE, Role.MEMBER),
        (ChannelKind.PRIVATE, Role.ADMIN),
        (ChannelKind.PUBLIC, Role.GUEST),
    ],
)
def test_joining_a_channel_one_may_not_see_finds_nothing(kind: ChannelKind, role: Role) -> None:
    """Joining a private channel (or a public one, as a guest) answers 'not found'."""
    ana = member("ana", role)
    assert (
        code_of(NotFound, channels.check_add_member, channel(kind), ana, False, ana, True)
        == "channel.not_found"
    )


@pytest.mark.parametrize("kind", [ChannelKind.PUBLIC, ChannelKind.PRIVATE])
def test_members_add_people(kind: ChannelKind) -> None:
    """A channel member can add another person of the workspace, guests included."""
    channels.check_add_member(
        channel(kind), member("ana"), True, member("bob", Role.GUEST), joining=False
    )


def test_non_members_cannot_add_people_to_private_channels() -> None:
    """Even an admin must be in a private channel to add someone to it."""
    assert (
        code_of(
            Forbidden,
            channels.check_add_member,
            channel(ChannelKind.PRIVATE),
            member("ana", Role.ADMIN),
            False,
            member("bob"),
            False,
        )
        == "channel.not_member"
    )


def test_guests_cannot_add_people_even_to_their_own_channels() -> None:
    """A guest in a channel still cannot bring other people into it."""
    assert (
        code_of(
            Forbidden,
            channels.check_add_member,
            channel(),
            member("gus", Role.GUEST),
            True,
            member("bob"),
            False,
        )
        == "workspace.guest_forbidden"
    )


def test_admins_add_people_to_public_channels_from_outside() -> None:
    """A workspace admin can add someone to a public channel without being in it."""
    channels.check_add_member(channel(), member("ana", Role.ADMIN), False, member("bob"), False)


def test_non_member_members_cannot_add_people_to_public_channels() -> None:
    """A plain member outside a public channel cannot add others to it."""
    assert (
        code_of(
            Forbidden,
            channels.check_add_member,
            channel(),
            member("ana"),
            False,
            member("bob"),
            False,
        )
        == "channel.not_member"
    )


def test_people_of_another_workspace_cannot_be_added() -> None:
    """Someone who is not in the channel's workspace cannot be added to it."""
    outsider = member("zed", workspace=OTHER_WS)
    assert (
        code_of(
            NotFound, channels.check_add_member, channel(), member("ana"), True, outsider, False
        )
        == "user.not_found"
    )


@pytest.mark.parametrize("kind", [ChannelKind.DM, ChannelKind.GROUP_DM])
def test_direct_messages_do_not_change_members(kind: ChannelKind) -> None:
    """Nobody can be added to an existing DM; a new set of people is a new DM."""
    assert (
        code_of(
            Conflict,
            channels.check_add_member,
            channel(kind),
            member("ana"),
            True,
            member("b"),
            False,
        )
        == "channel.is_direct"
    )


def test_nobody_is_added_to_an_archived_channel() -> None:
    """An archived channel takes no new members."""
    ana = member("ana")
    assert (
        code_of(Conflict, channels.check_add_member, channel(archived=True), ana, False, ana, True)
        == "channel.archived"
    )


def test_dm_people_are_sorted_and_distinct() -> None:
    """Opening a DM with the same people in any order, repeated or not, names the same group."""
    me = UserId("m")
    first = channels.dm_people(me, [UserId("z"), UserId("b"), UserId("b")])
    second = channels.dm_people(me, [UserId("b"), UserId("z"), me])
    assert first == (UserId("b"), UserId("m"), UserId("z"))
    assert second == first
    assert channels.dm_key(first) == "b,m,z"


def test_a_dm_with_oneself_is_allowed() -> None:
    """Someone can keep notes in a DM with only themself."""
    assert channels.dm_people(UserId("me"), []) == (UserId("me"),)


def test_a_dm_has_at_most_nine_people() -> None:
    """You and eight others fit a group DM; a ninth other person is refused."""
    me = UserId("me")
    eight = [UserId(f"u{i}") for i in range(8)]
    assert len(channels.dm_people(me, eight)) == channels.DM_MAX_PEOPLE == 9
    with pytest.raises(Invalid) as caught:
        channels.dm_people(me, [*eight, UserId("u8")])
    assert caught.value.code == "dm.too_many"
    assert [e.field for e in caught.value.errors] == ["user_ids"]


def test_repeated_people_do_not_count_towards_the_dm_limit() -> None:
    """Naming the same person twice, or oneself, does not push a DM over the limit."""
    me = UserId("me")
    eight = [UserId(f"u{i}") for i in range(8)]
    assert len(channels.dm_people(me, [*eight, *eight, me])) == 9


# ids -----------------------------------------------------------------------------------------


def test_ids_sort_by_creation_time() -> None:
    """Ids made later sort after earlier ones, so listings by id are listings by time."""
    made = [ids.new_id(ms) for ms in (0, 1, 2, 999, 1000, 1_700_000_000_000, 2**48 - 1)]
    assert sorted(made) == made


def test_ids_made_in_the_same_millisecond_share_their_time_prefix() -> None:
    """The first ten characters encode the millisecond; the rest is random."""
    first, second = ids.new_id(1_700_000_000_000), ids.new_id(1_700_000_000_000)
    assert first[:10] == second[:10]
    assert first != second
    assert ids.new_id(0).startswith("0000000000")


def test_new_ids_default_to_now() -> None:
    """An id made without a time is a valid id later than one made for a past millisecond."""
    made = ids.new_id()
    assert ids.is_id(made)
    assert made > ids.new_id(1_700_000_000_000)


def test_new_ids_have_the_id_shape() -> None:
    """Every new id is 26 URL-safe characters that is_id recognises."""
    for _ in range(200):
        made = ids.new_id()
        assert len(made) == 26
        assert ids.is_id(made)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "01JDWS0000000000000000000",  # 25 characters
        "01JDWS000000000000000000000",  # 27 characters
        "01jdws00000000000000000000",  # lowercase
        "01JDWS0000000000000000000I",  # I, L, O and U are not in the alphabet
        "01JDWS0000000000000000000L",
        "01JDWS0000000000000000000O",
        "01JDWS0000000000000000000U",
        "01JDWS000000000000000000-0",
        "../../../../../etc/passwd00",
    ],
)
def test_is_id_refuses_other_shapes(value: str) -> None:
    """Strings that cannot be ids are recognised as such before any database look-up."""
    assert ids.is_id(value) is False


def test_is_id_refuses_a_trailing_newline() -> None:
    """An id with a newline after it is not an id (it would never match a stored one)."""
    assert ids.is_id(ids.new_id() + "\n") is False
