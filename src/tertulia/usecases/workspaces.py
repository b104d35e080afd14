"""Workspaces: creating them, inviting people, roles, and leaving."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from tertulia.domain import text, workspaces
from tertulia.domain.channels import DEFAULT_CHANNEL, Channel, ChannelKind
from tertulia.domain.errors import Conflict, Invalid, NotFound
from tertulia.domain.events.channels import ChannelMemberJoined, ChannelMemberLeft
from tertulia.domain.events.workspaces import (
    WorkspaceCreated,
    WorkspaceMemberJoined,
    WorkspaceMemberLeft,
    WorkspaceMemberUpdated,
    WorkspaceUpdated,
)
from tertulia.domain.ids import ChannelId, InvitationId, UserId, WorkspaceId, new_id
from tertulia.domain.users import User
from tertulia.domain.workspaces import Invitation, Membership, Role, Workspace
from tertulia.usecases import pages
from tertulia.usecases.access import require_membership
from tertulia.usecases.ports import Clock, UnitOfWork, UnitOfWorkFactory
from tertulia.usecases.ports.realtime import OFFLINE, PresenceStore
from tertulia.usecases.ports.workspaces import MemberRow
from tertulia.usecases.tokens import new_token, token_hash


@dataclass(frozen=True, slots=True)
class WorkspaceChange:
    name: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class InvitationPreview:
    """What an invitation link leads to, as whoever holds it may see before accepting."""

    invitation: Invitation
    workspace: Workspace
    inviter: User


@dataclass(frozen=True, slots=True)
class InvitationDraft:
    role: Role = Role.MEMBER
    channel_ids: tuple[ChannelId, ...] = ()
    max_uses: int = 1
    expires_in: timedelta = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Workspaces:
    """The tenant boundary: nothing inside one workspace is visible from another."""

    uow: UnitOfWorkFactory
    clock: Clock
    presence: PresenceStore | None = None

    async def presence_of(
        self, actor: UserId, workspace_id: WorkspaceId
    ) -> list[tuple[UserId, str]]:
        """Who of the people the actor can see is online or away now (offline left out)."""
        async with self.uow(read_only=True) as uow:
            membership = await require_membership(uow, workspace_id, actor)
            people = await uow.members.seen_by(workspace_id, membership)
        if self.presence is None or not people:
            return []
        found = await self.presence.get(people)
        return sorted((user, status) for user, status in found.items() if status != OFFLINE)

    async def visible_people(self, actor: UserId, people: Sequence[UserId]) -> list[UserId]:
        """Those of `people` the actor can see in some workspace of theirs (every member of
        it; for a guest, the people of its channels), in the order given."""
        wanted = set(people)
        seen: set[UserId] = set()
        async with self.uow(read_only=True) as uow:
            for workspace_id in await uow.members.workspaces_of(actor):
                if seen >= wanted:
                    break
                membership = await uow.members.find(workspace_id, actor)
                if membership is not None:
                    among = list(wanted - seen)
                    seen.update(await uow.members.seen_by(workspace_id, membership, among))
        return [user for user in dict.fromkeys(people) if user in seen]

    async def create(
        self, actor: UserId, name: str, slug: str | None = None, description: str = ""
    ) -> tuple[Workspace, Membership]:
        """Create a workspace owned by the actor, with a #general channel everyone joins."""
        name = workspaces.workspace_name(name)
        description = workspaces.description(description)
        for attempt in range(3):
            try:
                return await self._create(actor, name, slug, description, attempt > 0)
            except Conflict as exc:
                # a slug we derived was taken meanwhile by a concurrent create: derive again
                if exc.code != "workspace.slug_taken" or slug is not None or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _create(
        self, actor: UserId, name: str, slug: str | None, description: str, contended: bool
    ) -> tuple[Workspace, Membership]:
        now = self.clock()
        async with self.uow() as uow:
            chosen = await self._free_slug(uow, name, slug, contended)
            workspace = Workspace(WorkspaceId(new_id()), name, chosen, description, actor, now)
            await uow.workspaces.add(workspace)
            owner = Membership(workspace.id, actor, Role.OWNER, now)
            await uow.members.add(owner)
            general = Channel(
                id=ChannelId(new_id()),
                workspace_id=workspace.id,
                kind=ChannelKind.PUBLIC,
                name=DEFAULT_CHANNEL,
                topic="",
                purpose="Announcements and conversation for the whole team.",
                created_by=actor,
                created_at=now,
                archived_at=None,
                is_default=True,
            )
            await uow.channels.add(general)
            await uow.channel_members.add(general, actor, now)
            uow.emit(WorkspaceCreated.of(workspace, owner))
            await uow.commit()
        return workspace, owner

    async def mine(
        self, actor: UserId, after: str | None = None, limit: int = 50
    ) -> pages.Page[tuple[Workspace, Membership]]:
        """The workspaces the actor belongs to, by name, with their role in each."""
        limit = pages.check_limit(limit)
        start = pages.decode(after, 2) if after else None
        async with self.uow(read_only=True) as uow:
            rows = await uow.workspaces.of_user(
                actor, (start[0], start[1]) if start else None, limit + 1
            )
        return pages.page_of(rows, limit, lambda row: (row[0].name, row[0].id))

    async def get(self, actor: UserId, workspace_id: WorkspaceId) -> tuple[Workspace, Membership]:
        async with self.uow(read_only=True) as uow:
            membership = await require_membership(uow, workspace_id, actor)
            return await uow.workspaces.get(workspace_id), membership

    async def change(
        self, actor: UserId, workspace_id: WorkspaceId, change: WorkspaceChange
    ) -> tuple[Workspace, Membership]:
        """Rename or describe the workspace (owners and admins)."""
        async with self.uow() as uow:
            await uow.workspaces.lock(workspace_id)  # against lost updates
            membership = await require_membership(uow, workspace_id, actor)
            workspaces.require_admin(membership, "change the workspace")
            workspace = await uow.workspaces.get(workspace_id)
            updated = Workspace(
                workspace.id,
                workspaces.workspace_name(change.name)
                if change.name is not None
                else workspace.name,
                workspace.slug,
                workspaces.description(change.description)
                if change.description is not None
                else workspace.description,
                workspace.created_by,
                workspace.created_at,
            )
            if updated != workspace:
                await uow.workspaces.update(updated, self.clock())
                uow.emit(WorkspaceUpdated.of(updated))
            await uow.commit()
        return updated, membership

    async def members(
        self, actor: UserId, workspace_id: WorkspaceId, after: str | None, limit: int
    ) -> pages.Page[MemberRow]:
        """Members by username. Guests see only the people of their channels, not this list."""
        limit = pages.check_limit(limit)
        start = pages.decode(after, 1)[0] if after else None
        async with self.uow(read_only=True) as uow:
            membership = await require_membership(uow, workspace_id, actor)
            workspaces.require_full_member(membership, "list the workspace's members")
            rows = await uow.members.page(workspace_id, start, limit + 1)
        return pages.page_of(rows, limit, lambda row: (row.user.username,))

    async def invite(
        self, actor: UserId, workspace_id: WorkspaceId, draft: InvitationDraft
    ) -> tuple[Invitation, str]:
        """Create an invitation link; the token is returned once and only its hash is kept."""
        if not 1 <= draft.max_uses <= workspaces.INVITATION_MAX_USES:
            raise Invalid.field(
                "max_uses",
                "invitation.max_uses",
                f"max_uses is between 1 and {workspaces.INVITATION_MAX_USES}.",
            )
        if (
            not timedelta(minutes=5)
            <= draft.expires_in
            <= timedelta(days=workspaces.INVITATION_MAX_DAYS)
        ):
            raise Invalid.field(
                "expires_in_hours",
                "invitation.expiry",
                f"An invitation lasts between 5 minutes and {workspaces.INVITATION_MAX_DAYS} days.",
            )
        channel_ids = tuple(dict.fromkeys(draft.channel_ids))
        now = self.clock()
        token = new_token(24)
        async with self.uow() as uow:
            membership = await require_membership(uow, workspace_id, actor)
            workspaces.check_invite(membership, draft.role, channel_ids)
            await self._check_channels(uow, membership, channel_ids)
            invitation = Invitation(
                id=InvitationId(new_id()),
                workspace_id=workspace_id,
                role=draft.role,
                channel_ids=channel_ids,
                created_by=actor,
                created_at=now,
                expires_at=now + draft.expires_in,
                max_uses=draft.max_uses,
                uses=0,
                revoked=False,
            )
            await uow.invitations.add(invitation, token_hash(token))
            await uow.commit()
        return invitation, token

    async def preview(self, token: str) -> InvitationPreview:
        """The workspace, inviter and role of an invitation that can still be accepted; the
        token is the secret, so no identity is asked. Raises what accepting would: NotFound
        `invitation.not_found` for an unknown token, Conflict `invitation.revoked`,
        `invitation.expired` or `invitation.used_up` for one that no longer works."""
        async with self.uow(read_only=True) as uow:
            invitation = await uow.invitations.find_by_token(token_hash(token))
            workspace = await uow.workspaces.find(invitation.workspace_id) if invitation else None
            if invitation is None or workspace is None:
                raise NotFound("No such invitation.", "invitation.not_found")
            inviter = await uow.members.find(workspace.id, invitation.created_by)
            invitation.check_usable(self.clock(), inviter)
            # check_usable refused invitations whose inviter left
            return InvitationPreview(
                invitation, workspace, await uow.users.get(invitation.created_by)
            )

    async def accept(self, actor: UserId, token: str) -> tuple[Workspace, Membership, bool]:
        """Join the workspace of an invitation; accepting again changes nothing.

        Returns the workspace, the membership and whether the actor has just joined.
        """
        now = self.clock()
        async with self.uow() as uow:
            invitation = await uow.invitations.find_by_token(token_hash(token))
            workspace = await uow.workspaces.find(invitation.workspace_id) if invitation else None
            if invitation is None or workspace is None:
                raise NotFound("No such invitation.", "invitation.not_found")
            existing = await uow.members.find(workspace.id, actor)
            if existing is not None:
                return workspace, existing, False
            inviter = await uow.members.find(workspace.id, invitation.created_by)
            invitation.check_usable(now, inviter)
            membership = Membership(workspace.id, actor, invitation.role, now)
            if not await uow.members.add(membership):
                # the same person accepting twice at once: the other request let them in
                existing = await uow.members.find(workspace.id, actor)
                if existing is None:
                    raise Conflict("Accepting failed; try again.", "invitation.retry")
                return workspace, existing, False
            if not await uow.invitations.count_use(invitation):
                raise Conflict("This invitation has been used up.", "invitation.used_up")
            assert inviter is not None  # check_usable refused invitations without one
            channels = await self._channels_to_join(uow, inviter, invitation)
            user = await uow.users.get(actor)
            uow.emit(WorkspaceMemberJoined.of(membership, user, [c.id for c in channels]))
            for channel in channels:
                if await uow.channel_members.add(channel, actor, now):
                    uow.emit(ChannelMemberJoined.of(channel, actor, by=invitation.created_by))
            await uow.commit()
        return workspace, membership, True

    async def invitations(self, actor: UserId, workspace_id: WorkspaceId) -> list[Invitation]:
        """Invitations that still work: all of them for admins, one's own for others."""
        async with self.uow(read_only=True) as uow:
            membership = await require_membership(uow, workspace_id, actor)
            workspaces.require_full_member(membership, "see invitations")
            mine = None if membership.role.is_admin else actor
            return await uow.invitations.live(workspace_id, mine, self.clock())

    async def revoke(
        self, actor: UserId, workspace_id: WorkspaceId, invitation_id: InvitationId
    ) -> None:
        """Stop an invitation link from working (its creator or an admin); idempotent."""
        async with self.uow() as uow:
            membership = await require_membership(uow, workspace_id, actor)
            invitation = await uow.invitations.find(invitation_id)
            if invitation is None or invitation.workspace_id != workspace_id:
                raise NotFound("No such invitation.", "invitation.not_found")
            if not membership.role.is_admin and invitation.created_by != actor:
                raise NotFound("No such invitation.", "invitation.not_found")
            invitation.check_revoke(membership)
            await uow.invitations.revoke(invitation_id, self.clock())
            await uow.commit()

    async def change_role(
        self, actor: UserId, workspace_id: WorkspaceId, user_id: UserId, role: Role
    ) -> MemberRow:
        """Give someone another role; returns them with it."""
        async with self.uow() as uow:
            await uow.workspaces.lock(workspace_id)  # owners are counted, then changed
            acting = await require_membership(uow, workspace_id, actor)
            workspaces.require_admin(acting, "change roles")
            target = await uow.members.find(workspace_id, user_id)
            if target is None:
                raise NotFound("No such member.", "member.not_found")
            owners = await uow.members.count(workspace_id, Role.OWNER)
            workspaces.check_role_change(acting, target, role, owners)
            updated = Membership(workspace_id, user_id, role, target.joined_at)
            if role is not target.role:
                await uow.members.set_role(workspace_id, user_id, role)
                channels = await uow.channel_members.channels_of(user_id, workspace_id)
                uow.emit(WorkspaceMemberUpdated.of(updated, channels))
            user = await uow.users.get(user_id)
            await uow.commit()
        return MemberRow(user, updated)

    async def remove(self, actor: UserId, workspace_id: WorkspaceId, user_id: UserId) -> None:
        """Remove someone (or leave): they lose every channel of the workspace at once, and
        the invitations they made stop working."""
        now = self.clock()
        async with self.uow() as uow:
            await uow.workspaces.lock(workspace_id)  # owners are counted, then removed
            acting = await require_membership(uow, workspace_id, actor)
            target = await uow.members.find(workspace_id, user_id)
            if target is None:
                raise NotFound("No such member.", "member.not_found")
            owners = await uow.members.count(workspace_id, Role.OWNER)
            workspaces.check_removal(acting, target, owners)
            left = await uow.channel_members.leave_workspace(workspace_id, user_id)
            await uow.members.remove(workspace_id, user_id)
            await uow.invitations.revoke_by(workspace_id, user_id, now)
            for channel in left:
                uow.emit(ChannelMemberLeft.of(channel, user_id, by=actor))
            uow.emit(WorkspaceMemberLeft.of(workspace_id, user_id, actor, [c.id for c in left]))
            await uow.commit()

    async def _free_slug(
        self, uow: UnitOfWork, name: str, wanted: str | None, contended: bool
    ) -> str:
        """The wanted slug (Conflict if taken), or one derived from the name: "equipo", then
        "equipo-2"…; with a random suffix when a concurrent create took the obvious one."""
        if wanted is not None:
            chosen = text.slug(wanted)
            if await uow.workspaces.slug_taken(chosen):
                raise Conflict(f"The slug '{chosen}' is taken.", "workspace.slug_taken")
            return chosen
        base = text.slug_from(name)[:32].strip("-") or "team"
        if contended:
            return f"{base}-{secrets.token_hex(3)}"
        for attempt in range(1, 6):
            candidate = base if attempt == 1 else f"{base}-{attempt}"
            if not await uow.workspaces.slug_taken(candidate):
                return candidate
        return f"{base}-{secrets.token_hex(3)}"

    async def _channels_to_join(
        self, uow: UnitOfWork, inviter: Membership, invitation: Invitation
    ) -> list[Channel]:
        """#general (not for guests) and the invitation's channels that are still open and that
        the inviter can still see; a channel they lost meanwhile is quietly left out."""
        channels = await uow.channels.existing(invitation.workspace_id, invitation.channel_ids)
        if invitation.role is not Role.GUEST:
            general = await uow.channels.default(invitation.workspace_id)
            if general is not None and general.id not in invitation.channel_ids:
                channels.insert(0, general)
        joinable = []
        for channel in channels:
            if channel.kind.is_direct or channel.is_archived:
                continue
            visible = channel.is_default or channel.kind is ChannelKind.PUBLIC
            if visible or await uow.channel_members.is_member(channel.id, inviter.user_id):
                joinable.append(channel)
        return joinable

    async def _check_channels(
        self, uow: UnitOfWork, actor: Membership, channel_ids: Sequence[ChannelId]
    ) -> None:
        """An invitation may only name named channels the inviter can see."""
        if not channel_ids:
            return
        found = {c.id: c for c in await uow.channels.existing(actor.workspace_id, channel_ids)}
        for channel_id in channel_ids:
            channel = found.get(channel_id)
            visible = (
                channel is not None
                and not channel.kind.is_direct
                and (
                    channel.kind is ChannelKind.PUBLIC
                    or await uow.channel_members.is_member(channel_id, actor.user_id)
                )
            )
            if not visible:
                raise Invalid.field(
                    "channel_ids", "channel.not_found", f"No such channel: {channel_id}."
                )
