"""Workspaces: create and list them, members and roles, invitations."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request

from tertulia.domain.ids import ID_PATTERN, ChannelId, InvitationId, UserId, WorkspaceId
from tertulia.usecases.workspaces import InvitationDraft, WorkspaceChange
from tertulia.web.auth import Core, CurrentUser, client_of
from tertulia.web.limits import headers_of
from tertulia.web.problems import problems
from tertulia.web.schemas.common import MemberOut, PageOut
from tertulia.web.schemas.params import After, Limit, UserPath, WorkspacePath
from tertulia.web.schemas.workspaces import (
    AcceptedOut,
    InvitationIn,
    InvitationOut,
    InvitationPreviewOut,
    NewInvitationOut,
    PresenceListOut,
    PresenceOut,
    RoleIn,
    WorkspaceIn,
    WorkspaceOut,
    WorkspacePatch,
)

router = APIRouter(prefix="/api/v1", tags=["workspaces"])
InvitationPath = Annotated[str, Path(pattern=ID_PATTERN, description="An invitation id.")]
TokenPath = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{16,64}$", description="The invitation link's token.")
]


@router.post(
    "/workspaces",
    status_code=201,
    summary="Create a workspace",
    responses=problems(
        "text.bad_character",
        "text.empty",
        "text.invisible",
        "text.too_long",
        "workspace.slug_invalid",
        "workspace.slug_taken",
    ),
)
async def create(body: WorkspaceIn, user: CurrentUser, core: Core) -> WorkspaceOut:
    """Create a workspace you own, with a #general channel that every member joins."""
    workspace, membership = await core.workspaces.create(
        user, body.name, body.slug, body.description
    )
    return WorkspaceOut.of(workspace, membership)


@router.get(
    "/workspaces",
    summary="Your workspaces",
    responses=problems("limit.out_of_range", "cursor.invalid"),
)
async def mine(
    user: CurrentUser, core: Core, after: After = None, limit: Limit = 50
) -> PageOut[WorkspaceOut]:
    """The workspaces you belong to, by name, with your role in each."""
    page = await core.workspaces.mine(user, after, limit)
    return PageOut(
        items=[WorkspaceOut.of(w, m) for w, m in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/workspaces/{workspace_id}", summary="A workspace", responses=problems("workspace.not_found")
)
async def get(workspace_id: WorkspacePath, user: CurrentUser, core: Core) -> WorkspaceOut:
    """A workspace you belong to, with your role; any other is 404."""
    workspace, membership = await core.workspaces.get(user, WorkspaceId(workspace_id))
    return WorkspaceOut.of(workspace, membership)


@router.patch(
    "/workspaces/{workspace_id}",
    summary="Rename or describe a workspace",
    responses=problems(
        "workspace.not_found",
        "workspace.admin_only",
        "text.bad_character",
        "text.empty",
        "text.invisible",
        "text.too_long",
    ),
)
async def change(
    workspace_id: WorkspacePath, body: WorkspacePatch, user: CurrentUser, core: Core
) -> WorkspaceOut:
    """Owners and admins only."""
    workspace, membership = await core.workspaces.change(
        user, WorkspaceId(workspace_id), WorkspaceChange(body.name, body.description)
    )
    return WorkspaceOut.of(workspace, membership)


@router.get(
    "/workspaces/{workspace_id}/members",
    summary="Members of a workspace",
    responses=problems(
        "workspace.not_found", "workspace.guest_forbidden", "limit.out_of_range", "cursor.invalid"
    ),
)
async def members(
    workspace_id: WorkspacePath,
    user: CurrentUser,
    core: Core,
    after: After = None,
    limit: Limit = 50,
) -> PageOut[MemberOut]:
    """Members by username, a page at a time. Guests cannot list the workspace."""
    page = await core.workspaces.members(user, WorkspaceId(workspace_id), after, limit)
    return PageOut(items=[MemberOut.of(r) for r in page.items], next_cursor=page.next_cursor)


@router.get(
    "/workspaces/{workspace_id}/presence",
    summary="Who is online",
    responses=problems("workspace.not_found"),
)
async def presence(workspace_id: WorkspacePath, user: CurrentUser, core: Core) -> PresenceListOut:
    """The people of the workspace you can see who are online or away (guests: the people
    of their channels). To follow changes, send `presence.subscribe` on the socket with the
    ids your client shows: `presence.changed` follows for them (see `/asyncapi.json`)."""
    found = await core.workspaces.presence_of(user, WorkspaceId(workspace_id))
    return PresenceListOut(items=[PresenceOut(user_id=u, status=s) for u, s in found])


@router.post(
    "/workspaces/{workspace_id}/invitations",
    status_code=201,
    summary="Invite people",
    responses=problems(
        "workspace.not_found",
        "workspace.guest_forbidden",
        "workspace.admin_only",
        "invitation.expiry",
        "invitation.max_uses",
        "invitation.owner_role",
        "invitation.guest_without_channels",
        (422, "channel.not_found"),
    ),
)
async def invite(
    workspace_id: WorkspacePath,
    body: InvitationIn,
    request: Request,
    user: CurrentUser,
    core: Core,
) -> NewInvitationOut:
    """Create an invitation link. Members invite members and guests; owners and admins also
    admins. A guest invitation names the channels the guest will see. The token is shown
    only in this response. A link stops working when it expires, is used up or revoked, or
    when its creator leaves or may no longer give that role."""
    invitation, token = await core.workspaces.invite(
        user,
        WorkspaceId(workspace_id),
        InvitationDraft(
            role=body.role,
            channel_ids=tuple(ChannelId(c) for c in body.channel_ids),
            max_uses=body.max_uses,
            expires_in=timedelta(hours=body.expires_in_hours),
        ),
    )
    return NewInvitationOut.of_new(invitation, token, request.app.state.public_url)


@router.get(
    "/workspaces/{workspace_id}/invitations",
    summary="Invitation links that still work",
    responses=problems("workspace.not_found", "workspace.guest_forbidden"),
)
async def invitations(
    workspace_id: WorkspacePath, user: CurrentUser, core: Core
) -> PageOut[InvitationOut]:
    """Owners and admins see every live link; members see the ones they made. Secrets are
    never shown again."""
    rows = await core.workspaces.invitations(user, WorkspaceId(workspace_id))
    return PageOut(items=[InvitationOut.of(i) for i in rows], next_cursor=None)


@router.delete(
    "/workspaces/{workspace_id}/invitations/{invitation_id}",
    status_code=204,
    summary="Revoke an invitation link",
    responses=problems("workspace.not_found", "invitation.not_found", "workspace.admin_only"),
)
async def revoke_invitation(
    workspace_id: WorkspacePath, invitation_id: InvitationPath, user: CurrentUser, core: Core
) -> None:
    """Its creator or an admin revokes a link; it stops working at once. Revoking twice is
    fine."""
    await core.workspaces.revoke(user, WorkspaceId(workspace_id), InvitationId(invitation_id))


@router.get(
    "/invitations/{token}",
    summary="Look at an invitation",
    responses=problems(
        "invitation.not_found",
        "invitation.expired",
        "invitation.revoked",
        "invitation.used_up",
        "auth.rate_limited",
    ),
)
async def preview(token: TokenPath, request: Request, core: Core) -> InvitationPreviewOut:
    """What an invitation link leads to, before accepting it: the workspace, who invites and
    with what role, until when. No token is needed: the link's secret is what shows it. An
    invitation that can no longer be accepted answers as accepting it would (404, or 409
    `invitation.expired`, `invitation.revoked`, `invitation.used_up`). Limited per client
    address, like logins (the `RateLimit-*` headers say what remains)."""
    state = await core.accounts.throttle("invitation", client_of(request).ip)
    request.state.rate_limit_headers = headers_of(state)
    found = await core.workspaces.preview(token)
    return InvitationPreviewOut.of(found.workspace, found.inviter, found.invitation)


@router.post(
    "/invitations/{token}/accept",
    summary="Accept an invitation",
    responses=problems(
        "invitation.not_found",
        "invitation.expired",
        "invitation.revoked",
        "invitation.used_up",
        "invitation.retry",
    ),
)
async def accept(token: TokenPath, user: CurrentUser, core: Core) -> AcceptedOut:
    """Join the workspace (and, for non-guests, #general plus the invitation's channels).
    Accepting again when already a member changes nothing."""
    workspace, membership, joined = await core.workspaces.accept(user, token)
    return AcceptedOut(workspace=WorkspaceOut.of(workspace, membership), joined=joined)


@router.patch(
    "/workspaces/{workspace_id}/members/{user_id}",
    summary="Change someone's role",
    responses=problems(
        "workspace.not_found",
        "member.not_found",
        "workspace.admin_only",
        "workspace.owner_only",
        "workspace.last_owner",
    ),
)
async def change_role(
    workspace_id: WorkspacePath, user_id: UserPath, body: RoleIn, user: CurrentUser, core: Core
) -> MemberOut:
    """Owners change any role; admins change admins, members and guests. The last owner
    cannot step down."""
    row = await core.workspaces.change_role(
        user, WorkspaceId(workspace_id), UserId(user_id), body.role
    )
    return MemberOut.of(row)


@router.delete(
    "/workspaces/{workspace_id}/members/{user_id}",
    status_code=204,
    summary="Remove someone, or leave",
    responses=problems(
        "workspace.not_found",
        "member.not_found",
        "workspace.admin_only",
        "workspace.owner_only",
        "workspace.last_owner",
    ),
)
async def remove(
    workspace_id: WorkspacePath, user_id: UserPath, user: CurrentUser, core: Core
) -> None:
    """Your own id leaves the workspace; owners and admins remove others. Whoever leaves
    leaves every channel of the workspace too."""
    await core.workspaces.remove(user, WorkspaceId(workspace_id), UserId(user_id))
