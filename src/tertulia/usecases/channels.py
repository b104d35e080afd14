"""Channels and direct messages: creating, browsing, joining, changing and archiving them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from tertulia.domain import channels, text, workspaces
from tertulia.domain.channels import Channel, ChannelChange, ChannelKind
from tertulia.domain.errors import Conflict, Invalid, NotFound
from tertulia.domain.events.channels import (
    ChannelArchived,
    ChannelCreated,
    ChannelMemberJoined,
    ChannelMemberLeft,
    ChannelUnarchived,
    ChannelUpdated,
)
from tertulia.domain.ids import ChannelId, UserId, WorkspaceId, new_id
from tertulia.domain.workspaces import Membership
from tertulia.usecases import pages
from tertulia.usecases.access import require_channel, require_membership
from tertulia.usecases.ports import Clock, UnitOfWork, UnitOfWorkFactory
from tertulia.usecases.ports.channels import Access, ChannelRow
from tertulia.usecases.ports.workspaces import MemberRow

NAMED_KINDS = (ChannelKind.PUBLIC.value, ChannelKind.PRIVATE.value)
DIRECT_KINDS = (ChannelKind.DM.value, ChannelKind.GROUP_DM.value)


@dataclass(frozen=True, slots=True)
class Seen:
    """A channel as the actor may see it, with the actor's workspace membership."""

    channel: Channel
    actor: Membership
    is_member: bool
    access: Access | None = None


async def require_visible(
    uow: UnitOfWork, channel_id: ChannelId, actor: UserId, lock: bool = False
) -> Seen:
    """The channel if the actor may see it (see `access.require_channel`); NotFound
    otherwise. `lock` holds the channel's row until commit, for use cases that change it."""
    access = await require_channel(uow, channel_id, actor, lock)
    assert access.membership is not None  # require_channel saw to it
    return Seen(access.channel, access.membership, access.is_member, access)


@dataclass(frozen=True, slots=True)
class Channels:
    """Conversations inside a workspace."""

    uow: UnitOfWorkFactory
    clock: Clock

    async def create(
        self,
        actor: UserId,
        workspace_id: WorkspaceId,
        name: str,
        kind: ChannelKind,
        topic: str = "",
        purpose: str = "",
    ) -> ChannelRow:
        """Create a public or private channel; its creator is its first member."""
        if kind.is_direct:
            raise Invalid.field(
                "kind", "channel.kind", "Open direct messages with the dms endpoint."
            )
        name = text.channel_name(name)
        topic = channels.topic(topic)
        purpose = channels.purpose(purpose)
        now = self.clock()
        async with self.uow() as uow:
            membership = await require_membership(uow, workspace_id, actor)
            channels.check_create(membership)
            if await uow.channels.find_named(workspace_id, name) is not None:
                raise Conflict(f"A channel named '{name}' exists already.", "channel.name_taken")
            channel = Channel(
                ChannelId(new_id()), workspace_id, kind, name, topic, purpose, actor, now, None
            )
            await uow.channels.add(channel)
            await uow.channel_members.add(channel, actor, now)
            uow.emit(ChannelCreated.of(channel))
            await uow.commit()
        return ChannelRow(channel, is_member=True, member_count=1)

    async def browse(
        self,
        actor: UserId,
        workspace_id: WorkspaceId,
        *,
        kinds: Sequence[ChannelKind] = (ChannelKind.PUBLIC, ChannelKind.PRIVATE),
        only_member: bool = False,
        include_archived: bool = False,
        after: str | None = None,
        limit: int = 50,
    ) -> pages.Page[ChannelRow]:
        """The channels the actor may see, by name: public ones (not for guests) and every
        private channel or direct message they belong to."""
        limit = pages.check_limit(limit)
        start = pages.decode(after, 2) if after else None
        async with self.uow(read_only=True) as uow:
            membership = await require_membership(uow, workspace_id, actor)
            rows = await uow.channels.browse(
                workspace_id,
                actor,
                include_public=membership.role.is_full_member,
                kinds=[k.value for k in dict.fromkeys(kinds)],
                only_member=only_member,
                include_archived=include_archived,
                after=(start[0], start[1]) if start else None,
                limit=limit + 1,
            )
        return pages.page_of(rows, limit, lambda row: (row.channel.name, row.channel.id))

    async def open_dm(
        self, actor: UserId, workspace_id: WorkspaceId, user_ids: Sequence[UserId]
    ) -> tuple[ChannelRow, bool]:
        """Open the direct message among the actor and these people, or return the one that
        exists for exactly that set. Returns the channel and whether it is new."""
        try:
            return await self._open_dm(actor, workspace_id, user_ids)
        except Conflict as exc:
            if exc.code != "channel.dm_exists":
                raise
            # someone opened the same DM at the same moment: theirs won, take it
            return await self._open_dm(actor, workspace_id, user_ids)

    async def _open_dm(
        self, actor: UserId, workspace_id: WorkspaceId, user_ids: Sequence[UserId]
    ) -> tuple[ChannelRow, bool]:
        now = self.clock()
        async with self.uow() as uow:
            membership = await require_membership(uow, workspace_id, actor)
            people = channels.dm_people(actor, user_ids)
            for person in people:
                if person == actor:
                    continue
                other = await uow.members.find(workspace_id, person)
                reachable = other is not None and (
                    membership.role.is_full_member
                    or await uow.channel_members.share_channel(actor, person, workspace_id)
                )
                if not reachable:
                    raise NotFound(f"No such user in this workspace: {person}.", "user.not_found")
            key = channels.dm_key(people)
            channel = await uow.channels.find_dm(workspace_id, key)
            created = channel is None
            if channel is None:
                kind = ChannelKind.DM if len(people) <= 2 else ChannelKind.GROUP_DM
                channel = Channel(
                    ChannelId(new_id()), workspace_id, kind, "", "", "", actor, now, None
                )
                await uow.channels.add(channel, dm_key=key)
                uow.emit(ChannelCreated.direct(channel, people))
            for person in people:
                # someone who left the workspace and came back gets their old DM back
                added = await uow.channel_members.add(channel, person, now)
                if added and not created:
                    uow.emit(ChannelMemberJoined.of(channel, person, by=actor))
            await uow.commit()
        return ChannelRow(channel, True, len(people), people), created

    async def get(self, actor: UserId, channel_id: ChannelId) -> ChannelRow:
        async with self.uow(read_only=True) as uow:
            seen = await require_visible(uow, channel_id, actor)
            return await self._row(uow, seen)

    async def change(
        self, actor: UserId, channel_id: ChannelId, change: ChannelChange
    ) -> ChannelRow:
        """Rename, set the topic or purpose, archive or unarchive a channel."""
        name = text.channel_name(change.name) if change.name is not None else None
        topic = channels.topic(change.topic) if change.topic is not None else None
        purpose = channels.purpose(change.purpose) if change.purpose is not None else None
        normalised = ChannelChange(name, topic, purpose, change.archived)
        now = self.clock()
        async with self.uow() as uow:
            seen = await require_visible(uow, channel_id, actor, lock=True)
            channel = seen.channel
            channels.check_change(channel, seen.actor, seen.is_member, normalised)
            renamed = name is not None and name != channel.name
            if renamed and await uow.channels.find_named(channel.workspace_id, name or ""):
                raise Conflict(f"A channel named '{name}' exists already.", "channel.name_taken")
            archived_at = channel.archived_at
            if change.archived is not None:
                archived_at = (channel.archived_at or now) if change.archived else None
            updated = replace(
                channel,
                name=name if name is not None else channel.name,
                topic=topic if topic is not None else channel.topic,
                purpose=purpose if purpose is not None else channel.purpose,
                archived_at=archived_at,
            )
            if updated != channel:
                await uow.channels.update(updated, now)
                kind: type[ChannelUpdated | ChannelArchived | ChannelUnarchived] = ChannelUpdated
                if updated.is_archived != channel.is_archived:
                    kind = ChannelArchived if updated.is_archived else ChannelUnarchived
                uow.emit(kind.of(updated, actor))
            row = await self._row(uow, replace(seen, channel=updated))
            await uow.commit()
        return row

    async def members(
        self, actor: UserId, channel_id: ChannelId, after: str | None, limit: int
    ) -> pages.Page[MemberRow]:
        limit = pages.check_limit(limit)
        start = pages.decode(after, 1)[0] if after else None
        async with self.uow(read_only=True) as uow:
            await require_visible(uow, channel_id, actor)
            rows = await uow.channel_members.page(channel_id, start, limit + 1)
        return pages.page_of(rows, limit, lambda row: (row.user.username,))

    async def add_member(
        self, actor: UserId, channel_id: ChannelId, user_id: UserId
    ) -> tuple[ChannelRow, bool]:
        """Join a public channel (user_id is the actor) or add someone to a channel the actor
        belongs to. Returns the channel and whether anything changed."""
        now = self.clock()
        async with self.uow() as uow:
            # the lock: no member comes in while the channel is being archived
            seen = await require_visible(uow, channel_id, actor, lock=True)
            channel, acting, is_member = seen.channel, seen.actor, seen.is_member
            joining = user_id == actor
            if joining and is_member:
                return await self._row(uow, Seen(channel, acting, True)), False
            if not joining:
                workspaces.require_full_member(acting, "add people to channels")
            target = await uow.members.find(channel.workspace_id, user_id)
            if target is None:
                raise NotFound("No such user in this workspace.", "user.not_found")
            channels.check_add_member(channel, acting, is_member, target, joining)
            added = await uow.channel_members.add(channel, user_id, now)
            if added:
                uow.emit(ChannelMemberJoined.of(channel, user_id, by=actor))
            row = await self._row(uow, Seen(channel, acting, is_member or joining))
            await uow.commit()
        return row, added

    async def remove_member(self, actor: UserId, channel_id: ChannelId, user_id: UserId) -> None:
        """Leave a channel, or remove someone from it (its creator or a workspace admin)."""
        async with self.uow() as uow:
            seen = await require_visible(uow, channel_id, actor)
            channels.check_remove_member(seen.channel, seen.actor, user_id)
            if not await uow.channel_members.remove(channel_id, user_id):
                raise NotFound("This person is not in the channel.", "channel.member_not_found")
            uow.emit(ChannelMemberLeft.of(seen.channel, user_id, by=actor))
            await uow.commit()

    async def _row(self, uow: UnitOfWork, seen: Seen) -> ChannelRow:
        rows = await uow.channels.browse(
            seen.channel.workspace_id,
            seen.actor.user_id,
            include_public=True,
            kinds=[seen.channel.kind.value],
            only_member=False,
            include_archived=True,
            after=None,
            limit=1,
            ids=[seen.channel.id],
        )
        return rows[0]  # it was just seen in this same transaction
