"""Ports of channels: channels, their members, and a channel as one person stands to it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tertulia.domain.channels import Channel
from tertulia.domain.ids import (
    ChannelId,
    UserId,
    WorkspaceId,
)
from tertulia.domain.workspaces import Membership
from tertulia.usecases.ports.messages import ChannelUnread, Named
from tertulia.usecases.ports.workspaces import MemberRow


@dataclass(frozen=True, slots=True)
class Access:
    """A channel as one person stands to it: their workspace membership (None if they are
    outside the workspace), whether they belong to the channel, and their read marker."""

    channel: Channel
    membership: Membership | None
    is_member: bool
    last_read_seq: int = 0
    muted: bool = False


@dataclass(frozen=True, slots=True)
class ChannelRow:
    """A channel with what the reader needs to show it."""

    channel: Channel
    is_member: bool
    member_count: int
    dm_user_ids: tuple[UserId, ...] = ()


class ChannelStore(Protocol):
    async def add(self, channel: Channel, dm_key: str | None = None) -> None:
        """Store a channel; raise Conflict if its name (or DM people) are taken."""

    async def find(self, channel_id: ChannelId, lock: bool = False) -> Channel | None:
        """The channel; `lock` holds its row until commit, against lost updates."""

    async def find_dm(self, workspace_id: WorkspaceId, dm_key: str) -> Channel | None: ...

    async def find_named(self, workspace_id: WorkspaceId, name: str) -> Channel | None: ...

    async def named(self, workspace_id: WorkspaceId, names: Sequence[str]) -> list[Channel]:
        """Channels whose names fold (case and accents aside, `searchtext.fold`) as one of
        these does: `facturacion` and `Facturación` name #facturación."""

    async def default(self, workspace_id: WorkspaceId) -> Channel | None: ...

    async def update(self, channel: Channel, at: datetime) -> None:
        """Store changed name, topic, purpose or archive state; Conflict if the name is taken."""

    async def browse(
        self,
        workspace_id: WorkspaceId,
        viewer: UserId,
        *,
        include_public: bool,
        kinds: Sequence[str],
        only_member: bool,
        include_archived: bool,
        after: tuple[str, str] | None,
        limit: int,
        ids: Sequence[ChannelId] | None = None,
    ) -> list[ChannelRow]:
        """Channels the viewer may see, ordered by (name, id), after that key; only those
        ids if given. Private channels and direct messages need the viewer's membership."""

    async def matching(
        self,
        workspace_id: WorkspaceId,
        viewer: UserId,
        include_public: bool,
        patterns: Sequence[str],
        limit: int,
    ) -> list[tuple[Channel, bool]]:
        """Named channels the viewer belongs to (and public ones, with `include_public`)
        whose folded names match every LIKE pattern; archived last; with is_member."""

    async def existing(self, workspace_id: WorkspaceId, ids: Sequence[ChannelId]) -> list[Channel]:
        """Those of the ids that name channels of that workspace."""

    async def access(
        self, channel_id: ChannelId, user_id: UserId, lock: bool = False
    ) -> Access | None:
        """The channel and how the user stands to it, in one look-up; None if no channel.
        `lock` holds the channel's row until commit."""

    async def public_named(
        self, workspace_id: WorkspaceId, names: Sequence[str]
    ) -> dict[str, ChannelId]:
        """The public channels of the workspace with these (lowercase) names."""


class ChannelMemberStore(Protocol):
    async def add(self, channel: Channel, user_id: UserId, at: datetime) -> bool:
        """Add a member; False if they already were one."""

    async def is_member(self, channel_id: ChannelId, user_id: UserId) -> bool: ...

    async def remove(self, channel_id: ChannelId, user_id: UserId) -> bool:
        """Remove a member; False if they were not one."""

    async def leave_workspace(self, workspace_id: WorkspaceId, user_id: UserId) -> list[Channel]:
        """Remove the user from every channel of the workspace; the channels they left."""

    async def page(self, channel_id: ChannelId, after: str | None, limit: int) -> list[MemberRow]:
        """Channel members (with their workspace role) ordered by username."""

    async def channels_of(
        self, user_id: UserId, workspace_id: WorkspaceId | None = None
    ) -> list[ChannelId]:
        """The channels (and DMs) someone belongs to, in one workspace or in all."""

    async def share_channel(self, a: UserId, b: UserId, workspace_id: WorkspaceId) -> bool: ...

    async def user_ids(self, channel_id: ChannelId) -> list[UserId]: ...

    async def named(
        self, workspace_id: WorkspaceId, channel_id: ChannelId, usernames: Sequence[str]
    ) -> dict[str, Named]:
        """The workspace members with these (lowercase) usernames, and whether each is in
        the channel."""

    async def set_read(self, channel_id: ChannelId, user_id: UserId, seq: int) -> None: ...

    async def set_muted(self, channel_id: ChannelId, user_id: UserId, muted: bool) -> None: ...

    async def unreads(self, user_id: UserId, workspace_id: WorkspaceId) -> list[ChannelUnread]:
        """Per channel of the workspace the user belongs to: unread messages (by others, not
        deleted, up to UNREAD_CAP) and unread mentions since their marker."""
