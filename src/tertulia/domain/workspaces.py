"""Workspaces, the tenant boundary: who belongs, with which role, and who may do what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tertulia.domain import text
from tertulia.domain.errors import Conflict, Forbidden, Invalid
from tertulia.domain.ids import ChannelId, InvitationId, UserId, WorkspaceId

NAME_MAX = 80
DESCRIPTION_MAX = 250
INVITATION_MAX_USES = 1000
INVITATION_MAX_DAYS = 30


class Role(StrEnum):
    """Roles from most to least powerful. A guest sees only the channels it was added to."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    GUEST = "guest"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def is_admin(self) -> bool:
        """Owners and admins manage the workspace."""
        return self in (Role.OWNER, Role.ADMIN)

    @property
    def is_full_member(self) -> bool:
        """Everyone but guests browses public channels and sees the whole member list."""
        return self is not Role.GUEST


_RANK = {Role.OWNER: 3, Role.ADMIN: 2, Role.MEMBER: 1, Role.GUEST: 0}


@dataclass(frozen=True, slots=True)
class Workspace:
    """A team's space; nothing inside crosses to another workspace."""

    id: WorkspaceId
    name: str
    slug: str
    description: str
    created_by: UserId
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Membership:
    """A user's place in a workspace."""

    workspace_id: WorkspaceId
    user_id: UserId
    role: Role
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class Invitation:
    """A link that lets whoever holds its token join with a role (and, for guests, channels)."""

    id: InvitationId
    workspace_id: WorkspaceId
    role: Role
    channel_ids: tuple[ChannelId, ...]
    created_by: UserId
    created_at: datetime
    expires_at: datetime
    max_uses: int
    uses: int
    revoked: bool

    def check_usable(self, now: datetime, inviter: Membership | None) -> None:
        """Raise unless this invitation can still be accepted. The inviter must still be in the
        workspace with a role that may give this one: links die with their creator's rights."""
        if self.revoked:
            raise Conflict("This invitation was revoked.", "invitation.revoked")
        if now >= self.expires_at:
            raise Conflict("This invitation has expired.", "invitation.expired")
        if self.uses >= self.max_uses:
            raise Conflict("This invitation has been used up.", "invitation.used_up")
        try:
            if inviter is None:
                raise Forbidden("The inviter left.")
            check_invite(inviter, self.role, self.channel_ids)
        except (Forbidden, Invalid):
            raise Conflict(
                "This invitation is no longer valid: whoever made it may not invite anymore.",
                "invitation.revoked",
            ) from None

    def check_revoke(self, actor: Membership) -> None:
        """Its creator or an admin may revoke an invitation."""
        if actor.user_id != self.created_by:
            require_admin(actor, "revoke other people's invitations")


def workspace_name(value: str) -> str:
    return text.display_text(value, field="name", max_length=NAME_MAX)


def description(value: str) -> str:
    return text.display_text(
        value, field="description", max_length=DESCRIPTION_MAX, allow_empty=True
    )


def require_admin(actor: Membership, what: str) -> None:
    """Raise Forbidden unless the actor is an owner or admin."""
    if not actor.role.is_admin:
        raise Forbidden(f"Only workspace owners and admins can {what}.", "workspace.admin_only")


def require_full_member(actor: Membership, what: str) -> None:
    """Raise Forbidden for guests."""
    if not actor.role.is_full_member:
        raise Forbidden(f"Guests cannot {what}.", "workspace.guest_forbidden")


def check_invite(actor: Membership, role: Role, channel_ids: tuple[ChannelId, ...]) -> None:
    """Who may invite whom: admins anyone but owners; members only members and guests."""
    require_full_member(actor, "invite people")
    if role is Role.OWNER:
        raise Invalid.field(
            "role", "invitation.owner_role", "Nobody can be invited as an owner; promote them."
        )
    if role is Role.ADMIN and not actor.role.is_admin:
        raise Forbidden("Only owners and admins can invite admins.", "workspace.admin_only")
    if role is Role.GUEST and not channel_ids:
        raise Invalid.field(
            "channel_ids",
            "invitation.guest_without_channels",
            "A guest invitation names at least one channel the guest will see.",
        )


def check_role_change(actor: Membership, target: Membership, new: Role, owners: int) -> None:
    """Raise unless the actor may give the target the new role.

    Owners may change anyone's role; admins may change the roles of admins, members and guests
    but not make or unmake owners. The last owner cannot step down.
    """
    require_admin(actor, "change roles")
    if actor.role is not Role.OWNER and Role.OWNER in (target.role, new):
        raise Forbidden("Only owners can make or unmake owners.", "workspace.owner_only")
    if target.role is Role.OWNER and new is not Role.OWNER and owners <= 1:
        raise Conflict(
            "The last owner cannot step down; make someone else an owner first.",
            "workspace.last_owner",
        )


def check_removal(actor: Membership, target: Membership, owners: int) -> None:
    """Raise unless the actor may remove the target (anyone may leave; admins remove others)."""
    if actor.user_id != target.user_id:
        require_admin(actor, "remove people")
        if target.role is Role.OWNER and actor.role is not Role.OWNER:
            raise Forbidden("Only owners can remove owners.", "workspace.owner_only")
    if target.role is Role.OWNER and owners <= 1:
        raise Conflict(
            "The last owner cannot leave; make someone else an owner first.",
            "workspace.last_owner",
        )
