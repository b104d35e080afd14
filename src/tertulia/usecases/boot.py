"""The first screen: everything a client shows when it opens (the person, their workspaces,
one workspace's channels with what is unread, the people it shows and their presence), read
in one transaction, with the event log position to go live from.

The position is read first, in the same transaction as the rest: every change up to it is in
what follows, and a change after it is in the log after it. A client that resumes the socket
from it may hear again of something it has (events apply idempotently), but never misses one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tertulia.domain.channels import ChannelKind
from tertulia.domain.ids import UserId, WorkspaceId
from tertulia.domain.users import User
from tertulia.domain.workspaces import Membership, Workspace
from tertulia.usecases.access import require_membership
from tertulia.usecases.messaging.reading import unreads_in
from tertulia.usecases.ports import UnitOfWork, UnitOfWorkFactory
from tertulia.usecases.ports.channels import ChannelRow
from tertulia.usecases.ports.messages import UNREAD_CAP, ChannelUnread
from tertulia.usecases.ports.realtime import OFFLINE, PresenceStore
from tertulia.usecases.ports.workspaces import MemberRow

WORKSPACES_MAX = 200  # the person's workspaces listed, by name
CHANNELS_MAX = 1000  # the chosen workspace's channels and DMs listed, by name
PEOPLE_MAX = 500  # the workspace's people listed, by username (DM partners always besides)
ALL_KINDS = [kind.value for kind in ChannelKind]


@dataclass(frozen=True, slots=True)
class SidebarChannel:
    """A channel or DM one belongs to, with what is unread in it."""

    row: ChannelRow
    unread: ChannelUnread


@dataclass(frozen=True, slots=True)
class FirstScreen:
    me: User
    workspaces: list[tuple[Workspace, Membership]]
    workspaces_truncated: bool
    workspace_id: WorkspaceId | None  # None: the person belongs to no workspace yet
    channels: list[SidebarChannel]
    channels_truncated: bool
    people: list[MemberRow]
    people_truncated: bool
    presence: dict[UserId, str]  # of each person listed (and of `me`)
    unread_threads: int  # followed threads of the workspace with unread replies
    unread_notifications: int  # across every workspace, up to UNREAD_CAP
    last_event_id: int


@dataclass(frozen=True, slots=True)
class Boot:
    """What a client needs to draw its first screen, in one call."""

    uow: UnitOfWorkFactory
    presence: PresenceStore | None = None

    async def load(self, user: UserId, workspace_id: WorkspaceId | None = None) -> FirstScreen:
        """The first screen of `workspace_id` (the person's first workspace by name if None).
        Raises NotFound `workspace.not_found` for a workspace they are not in. Every read
        checks what the use cases of each thing check: channels are those one belongs to,
        people those the workspace's `seen_by` rule shows (for a guest: the people of their
        channels)."""
        async with self.uow(read_only=True) as uow:
            last_event_id = await uow.log_head()  # first: see the module's doc
            me = await uow.users.get(user)
            workspaces = await uow.workspaces.of_user(user, None, WORKSPACES_MAX + 1)
            notifications = await uow.notifications.count_unread(user, UNREAD_CAP)
            if workspace_id is not None:
                membership: Membership | None = await require_membership(uow, workspace_id, user)
            else:
                membership = workspaces[0][1] if workspaces else None
            found = await self._workspace(uow, membership) if membership else None
        channels, people, more_people, unread_threads = found or ([], [], False, 0)
        presence = await self._presence([*dict.fromkeys([user, *(p.user.id for p in people)])])
        return FirstScreen(
            me=me,
            workspaces=workspaces[:WORKSPACES_MAX],
            workspaces_truncated=len(workspaces) > WORKSPACES_MAX,
            workspace_id=membership.workspace_id if membership else None,
            channels=channels[:CHANNELS_MAX],
            channels_truncated=len(channels) > CHANNELS_MAX,
            people=people,
            people_truncated=more_people,
            presence=presence,
            unread_threads=unread_threads,
            unread_notifications=notifications,
            last_event_id=last_event_id,
        )

    async def _workspace(
        self, uow: UnitOfWork, membership: Membership
    ) -> tuple[list[SidebarChannel], list[MemberRow], bool, int]:
        """The workspace's channels one belongs to with their unread counts (a query each,
        whatever their number); the people shown: the first PEOPLE_MAX by username, then
        one's DM partners among the rest, and whether there were more; and how many
        followed threads have unread replies."""
        workspace_id, user = membership.workspace_id, membership.user_id
        rows = await uow.channels.browse(
            workspace_id,
            user,
            include_public=membership.role.is_full_member,
            kinds=ALL_KINDS,
            only_member=True,
            include_archived=True,
            after=None,
            limit=CHANNELS_MAX + 1,
        )
        unreads = await unreads_in(uow, user, workspace_id)
        counted = {row.channel_id: row for row in unreads.channels}
        channels = [
            SidebarChannel(row, counted.get(row.channel.id) or _nothing_unread(row)) for row in rows
        ]
        people = await uow.members.shown_to(workspace_id, membership, PEOPLE_MAX + 1)
        more = len(people) > PEOPLE_MAX
        people = people[:PEOPLE_MAX]
        listed = {row.user.id for row in people}
        partners = [
            person
            for person in dict.fromkeys(p for row in rows for p in row.dm_user_ids)
            if person not in listed
        ]
        if partners:
            people += await uow.members.shown_to(workspace_id, membership, len(partners), partners)
        return channels, people, more, len(unreads.threads)

    async def _presence(self, people: Sequence[UserId]) -> dict[UserId, str]:
        """Each person's presence (one round trip to the presence store); offline for all
        when there is none."""
        found = await self.presence.get(people) if self.presence is not None else {}
        return {person: found.get(person, OFFLINE) for person in people}


def _nothing_unread(row: ChannelRow) -> ChannelUnread:
    """Read state of a channel left between the two reads (each statement of a PostgreSQL
    transaction sees what committed before it): nothing unread."""
    return ChannelUnread(row.channel.id, False, 0, 0, 0, 0)
