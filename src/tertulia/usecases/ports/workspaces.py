"""Ports of workspaces: the workspaces, their members and their invitations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tertulia.domain.ids import (
    InvitationId,
    UserId,
    WorkspaceId,
)
from tertulia.domain.users import User
from tertulia.domain.workspaces import Invitation, Membership, Role, Workspace


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A person with their role in a workspace."""

    user: User
    membership: Membership


class WorkspaceStore(Protocol):
    async def add(self, workspace: Workspace) -> None:
        """Store a new workspace; raise Conflict if the slug is taken."""

    async def find(self, workspace_id: WorkspaceId) -> Workspace | None: ...

    async def get(self, workspace_id: WorkspaceId) -> Workspace:
        """The workspace; NotFound workspace.not_found if there is none."""

    async def lock(self, workspace_id: WorkspaceId) -> None:
        """Serialise changes to the workspace's membership until commit."""

    async def slug_taken(self, slug: str) -> bool: ...

    async def update(self, workspace: Workspace, at: datetime) -> None: ...

    async def of_user(
        self, user_id: UserId, after: tuple[str, str] | None, limit: int
    ) -> list[tuple[Workspace, Membership]]:
        """The user's workspaces ordered by (name, id), after that key."""


class MemberStore(Protocol):
    """Workspace memberships."""

    async def add(self, membership: Membership) -> bool:
        """Add a membership; False if the user was already a member."""

    async def find(self, workspace_id: WorkspaceId, user_id: UserId) -> Membership | None: ...

    async def set_role(self, workspace_id: WorkspaceId, user_id: UserId, role: Role) -> None: ...

    async def remove(self, workspace_id: WorkspaceId, user_id: UserId) -> None: ...

    async def count(self, workspace_id: WorkspaceId, role: Role) -> int: ...

    async def page(
        self, workspace_id: WorkspaceId, after: str | None, limit: int
    ) -> list[MemberRow]:
        """Members ordered by username, starting after that username."""

    async def workspaces_of(self, user_id: UserId) -> list[WorkspaceId]: ...

    async def matching(
        self, workspace_id: WorkspaceId, patterns: Sequence[str], limit: int
    ) -> list[User]:
        """Members whose folded names match every LIKE pattern, by username."""

    async def with_usernames(
        self, workspace_id: WorkspaceId, usernames: Sequence[str]
    ) -> dict[str, UserId]:
        """MemberStore of the workspace among these usernames (lowercase), by username."""

    async def seen_by(
        self,
        workspace_id: WorkspaceId,
        viewer: Membership,
        among: Sequence[UserId] | None = None,
    ) -> list[UserId]:
        """The people of a workspace this member can see: everyone for full members, the
        people of their channels for guests (themselves included); only those `among`
        these, when given."""

    async def shown_to(
        self,
        workspace_id: WorkspaceId,
        viewer: Membership,
        limit: int,
        among: Sequence[UserId] | None = None,
    ) -> list[MemberRow]:
        """The first `limit` of the people `seen_by` the viewer, with their memberships,
        by username; only those `among` these, when given."""


class InvitationStore(Protocol):
    async def add(self, invitation: Invitation, token_hash: str) -> None: ...

    async def find_by_token(self, token_hash: str) -> Invitation | None: ...

    async def find(self, invitation_id: InvitationId) -> Invitation | None: ...

    async def live(
        self, workspace_id: WorkspaceId, created_by: UserId | None, now: datetime
    ) -> list[Invitation]:
        """InvitationStore that can still be accepted (of one creator, if given), oldest first."""

    async def revoke(self, invitation_id: InvitationId, at: datetime) -> None: ...

    async def revoke_by(self, workspace_id: WorkspaceId, created_by: UserId, at: datetime) -> None:
        """Revoke every invitation someone made in a workspace (they left or were removed)."""

    async def count_use(self, invitation: Invitation) -> bool:
        """Count one use; False if the invitation was used up meanwhile."""
