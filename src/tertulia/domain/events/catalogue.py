"""The one list of every kind of event a socket receives, in the order the document gives
them. A new kind of event is a class in its capability's module and a line here."""

from __future__ import annotations

from tertulia.domain.events.accounts import SessionRevoked, UserUpdated
from tertulia.domain.events.base import Kind
from tertulia.domain.events.channels import (
    ChannelArchived,
    ChannelCreated,
    ChannelMemberJoined,
    ChannelMemberLeft,
    ChannelMuted,
    ChannelRead,
    ChannelUnarchived,
    ChannelUnmuted,
    ChannelUpdated,
)
from tertulia.domain.events.files import FileCreated, FileDeleted, FileFailed, FileReady
from tertulia.domain.events.live import PresenceChanged, TypingStarted, TypingStopped
from tertulia.domain.events.messages import (
    MessageCreated,
    MessageDeleted,
    MessagePinned,
    MessageUnpinned,
    MessageUpdated,
    NotificationCreated,
    NotificationRead,
    NotificationRemoved,
    ReactionAdded,
    ReactionRemoved,
    ThreadFollowed,
    ThreadRead,
    ThreadUnfollowed,
    ThreadUpdated,
)
from tertulia.domain.events.workspaces import (
    WorkspaceCreated,
    WorkspaceMemberJoined,
    WorkspaceMemberLeft,
    WorkspaceMemberUpdated,
    WorkspaceUpdated,
)

CATALOGUE: tuple[type[Kind], ...] = (
    WorkspaceCreated,
    WorkspaceUpdated,
    WorkspaceMemberJoined,
    WorkspaceMemberUpdated,
    WorkspaceMemberLeft,
    ChannelCreated,
    ChannelUpdated,
    ChannelArchived,
    ChannelUnarchived,
    ChannelMemberJoined,
    ChannelMemberLeft,
    ChannelMuted,
    ChannelUnmuted,
    ChannelRead,
    MessageCreated,
    MessageUpdated,
    MessageDeleted,
    MessagePinned,
    MessageUnpinned,
    FileCreated,
    FileReady,
    FileFailed,
    FileDeleted,
    ReactionAdded,
    ReactionRemoved,
    ThreadUpdated,
    ThreadFollowed,
    ThreadUnfollowed,
    ThreadRead,
    NotificationCreated,
    NotificationRead,
    NotificationRemoved,
    UserUpdated,
    SessionRevoked,
    TypingStarted,
    TypingStopped,
    PresenceChanged,
)

BY_TYPE: dict[str, type[Kind]] = {kind.TYPE: kind for kind in CATALOGUE}


def kind_of(type_: str) -> type[Kind] | None:
    """The kind of event with this wire type (None for one the catalogue does not hold)."""
    return BY_TYPE.get(type_)
