"""Channels and direct messages: who sees them, who may join, change or archive them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tertulia.domain import text
from tertulia.domain.errors import Conflict, Forbidden, Invalid, NotFound
from tertulia.domain.ids import ChannelId, UserId, WorkspaceId
from tertulia.domain.workspaces import Membership, require_full_member

TOPIC_MAX = 250
PURPOSE_MAX = 250
DM_MAX_PEOPLE = 9  # like Slack's group DMs: you and eight others
DEFAULT_CHANNEL = "general"


class ChannelKind(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"
    DM = "dm"
    GROUP_DM = "group_dm"

    @property
    def is_direct(self) -> bool:
        return self in (ChannelKind.DM, ChannelKind.GROUP_DM)


@dataclass(frozen=True, slots=True)
class Channel:
    """A conversation: a named public or private channel, or a direct message."""

    id: ChannelId
    workspace_id: WorkspaceId
    kind: ChannelKind
    name: str  # empty for direct messages
    topic: str
    purpose: str
    created_by: UserId
    created_at: datetime
    archived_at: datetime | None
    is_default: bool = False

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


@dataclass(frozen=True, slots=True)
class ChannelChange:
    """What someone asked to change; None leaves a field alone."""

    name: str | None = None
    topic: str | None = None
    purpose: str | None = None
    archived: bool | None = None


def topic(value: str) -> str:
    return text.display_text(value, field="topic", max_length=TOPIC_MAX, allow_empty=True)


def purpose(value: str) -> str:
    return text.display_text(value, field="purpose", max_length=PURPOSE_MAX, allow_empty=True)


def can_see(channel: Channel, actor: Membership, is_member: bool) -> bool:
    """Members see their channels; full members (not guests) also see every public one."""
    if channel.workspace_id != actor.workspace_id:
        return False
    return is_member or (channel.kind is ChannelKind.PUBLIC and actor.role.is_full_member)


def require_visible(channel: Channel, actor: Membership, is_member: bool) -> None:
    """Raise NotFound, never Forbidden, so that private channels do not reveal they exist."""
    if not can_see(channel, actor, is_member):
        raise NotFound("No such channel.", "channel.not_found")


def require_writable(channel: Channel) -> None:
    """Archived channels are read-only."""
    if channel.is_archived:
        raise Conflict(
            "This channel is archived: it can be read but not changed.", "channel.archived"
        )


def require_not_direct(channel: Channel, what: str) -> None:
    if channel.kind.is_direct:
        raise Conflict(f"Direct messages cannot {what}.", "channel.is_direct")


def check_create(actor: Membership) -> None:
    require_full_member(actor, "create channels")


def check_add_member(
    channel: Channel, actor: Membership, actor_is_member: bool, target: Membership, joining: bool
) -> None:
    """Raise unless the actor may add the target (themself, when joining) to the channel.

    Someone joining a channel they cannot see learns nothing: NotFound comes first."""
    if joining and (channel.kind is not ChannelKind.PUBLIC or not actor.role.is_full_member):
        raise NotFound("No such channel.", "channel.not_found")
    require_not_direct(channel, "change their members")
    require_writable(channel)
    if joining:
        return
    require_full_member(actor, "add people to channels")
    if not actor_is_member and not (channel.kind is ChannelKind.PUBLIC and actor.role.is_admin):
        raise Forbidden("Only members of a channel can add people to it.", "channel.not_member")
    if target.workspace_id != channel.workspace_id:
        raise NotFound("No such user in this workspace.", "user.not_found")


def check_remove_member(channel: Channel, actor: Membership, target_id: UserId) -> None:
    """Anyone may leave; the channel's creator and workspace admins may remove others."""
    require_not_direct(channel, "change their members")
    if actor.user_id == target_id:
        return
    require_writable(channel)
    if not (actor.role.is_admin or channel.created_by == actor.user_id):
        raise Forbidden(
            "Only the channel's creator or a workspace admin can remove people.",
            "channel.manager_only",
        )


def check_change(
    channel: Channel, actor: Membership, actor_is_member: bool, change: ChannelChange
) -> None:
    """Members set the topic and purpose; the creator or an admin renames and archives.

    `change` holds normalised values. An archived channel takes only (un)archiving, so that
    archiving twice (a retried DELETE) succeeds and changes nothing."""
    require_not_direct(channel, "be renamed, described or archived")
    only_archive_state = change.name is None and change.topic is None and change.purpose is None
    if not (only_archive_state and change.archived is not None):
        require_writable(channel)
    manages = actor.role.is_admin or channel.created_by == actor.user_id
    if (change.name is not None or change.archived is not None) and not manages:
        raise Forbidden(
            "Only the channel's creator or a workspace admin can rename or archive it.",
            "channel.manager_only",
        )
    if channel.is_default and change.archived:
        raise Conflict("The default channel cannot be archived.", "channel.default")
    if channel.is_default and change.name is not None and change.name != channel.name:
        raise Conflict("The default channel cannot be renamed.", "channel.default")
    if (change.topic is not None or change.purpose is not None) and not (
        actor_is_member or actor.role.is_admin
    ):
        raise Forbidden("Only members of a channel can change its topic.", "channel.not_member")


def dm_people(me: UserId, others: Iterable[UserId]) -> tuple[UserId, ...]:
    """The sorted, distinct people of a direct message (a DM with yourself is allowed)."""
    people = tuple(sorted({me, *others}))
    if len(people) > DM_MAX_PEOPLE:
        raise Invalid.field(
            "user_ids",
            "dm.too_many",
            f"A direct message has at most {DM_MAX_PEOPLE} people, you included.",
        )
    return people


def dm_key(people: tuple[UserId, ...]) -> str:
    """The key that makes opening the same DM twice return the same channel."""
    return ",".join(people)
