"""Workspaces: creating and changing them, roles, presence, invitation links."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, StrictInt

from tertulia.domain import text, workspaces
from tertulia.domain.users import User
from tertulia.domain.workspaces import Invitation, Membership, Role, Workspace
from tertulia.web.schemas.common import In, Out
from tertulia.web.schemas.params import EXAMPLE_CH, EXAMPLE_TIME, EXAMPLE_USER, EXAMPLE_WS, IdStr


class WorkspaceIn(In):
    name: str = Field(
        max_length=workspaces.NAME_MAX,
        description=f"Display name, 1–{workspaces.NAME_MAX} characters.",
        examples=["Equipo Núcleo"],
    )
    slug: str | None = Field(
        None,
        max_length=text.SLUG_MAX,
        description="Unique URL handle (lowercase ASCII, digits, hyphens);"
        " derived from the name if omitted.",
        examples=["equipo-nucleo"],
    )
    description: str = Field(
        "",
        max_length=workspaces.DESCRIPTION_MAX,
        description="What the workspace is for.",
        examples=["Where the core team talks."],
    )


class WorkspacePatch(In):
    name: str | None = Field(
        None, max_length=workspaces.NAME_MAX, description="New display name.", examples=["Núcleo"]
    )
    description: str | None = Field(
        None,
        max_length=workspaces.DESCRIPTION_MAX,
        description="New description; empty to clear.",
        examples=["Where the core team talks."],
    )


class WorkspaceOut(Out):
    id: str = Field(description="Workspace id.", examples=[EXAMPLE_WS])
    name: str = Field(description="Display name.", examples=["Equipo Núcleo"])
    slug: str = Field(description="Unique URL handle.", examples=["equipo-nucleo"])
    description: str = Field(
        description="What the workspace is for.", examples=["Where the core team talks."]
    )
    created_by: str = Field(description="Who created it.", examples=[EXAMPLE_USER])
    created_at: datetime = Field(description="When it was created.", examples=[EXAMPLE_TIME])
    role: Role = Field(description="Your role in it.", examples=["owner"])

    @classmethod
    def of(cls, workspace: Workspace, membership: Membership) -> WorkspaceOut:
        return cls(
            id=workspace.id,
            name=workspace.name,
            slug=workspace.slug,
            description=workspace.description,
            created_by=workspace.created_by,
            created_at=workspace.created_at,
            role=membership.role,
        )


class AcceptedOut(Out):
    workspace: WorkspaceOut = Field(description="The workspace, with your role in it.")
    joined: bool = Field(
        description="False if you were already a member (nothing changed).", examples=[True]
    )


class PresenceOut(Out):
    user_id: str = Field(description="The person.", examples=[EXAMPLE_USER])
    status: Literal["online", "away"] = Field(
        description="online: active on some device; away: connected, but away on every one.",
        examples=["online"],
    )


class PresenceListOut(Out):
    items: list[PresenceOut] = Field(
        description="Everyone you can see who is online or away; anyone else is offline."
    )


class RoleIn(In):
    role: Role = Field(description="The new role.", examples=["admin"])


class InvitationIn(In):
    role: Role = Field(
        Role.MEMBER,
        description="Role given on joining: admin, member or guest.",
        examples=["member"],
    )
    channel_ids: list[IdStr] = Field(
        default_factory=list,
        max_length=50,
        description="Channels joined on acceptance; a guest sees only these.",
        examples=[[EXAMPLE_CH]],
    )
    max_uses: StrictInt = Field(
        1,
        ge=1,
        le=workspaces.INVITATION_MAX_USES,
        description="How many people can join with this link.",
        examples=[10],
    )
    expires_in_hours: StrictInt = Field(
        168,
        ge=1,
        le=workspaces.INVITATION_MAX_DAYS * 24,
        description="Hours until the link expires (at most 30 days).",
        examples=[72],
    )


class InvitationOut(Out):
    """An invitation link as listed: everything but its secret."""

    id: str = Field(description="Invitation id.", examples=["01JD5ZD0INV1TAT10N00000000"])
    workspace_id: str = Field(description="The workspace joined.", examples=[EXAMPLE_WS])
    role: Role = Field(description="Role given on joining.", examples=["member"])
    channel_ids: list[str] = Field(
        description="Channels joined on acceptance.", examples=[[EXAMPLE_CH]]
    )
    created_by: str = Field(description="Who made it.", examples=[EXAMPLE_USER])
    created_at: datetime = Field(description="When it was made.", examples=[EXAMPLE_TIME])
    max_uses: int = Field(description="How many people can join with it.", examples=[10])
    uses: int = Field(description="How many have joined with it.", examples=[3])
    expires_at: datetime = Field(
        description="When the link stops working.", examples=[EXAMPLE_TIME]
    )

    @classmethod
    def of(cls, invitation: Invitation) -> InvitationOut:
        return cls(
            id=invitation.id,
            workspace_id=invitation.workspace_id,
            role=invitation.role,
            channel_ids=list(invitation.channel_ids),
            created_by=invitation.created_by,
            created_at=invitation.created_at,
            max_uses=invitation.max_uses,
            uses=invitation.uses,
            expires_at=invitation.expires_at,
        )


class NewInvitationOut(InvitationOut):
    """A new invitation link, with its secret: shown only once, then only its hash is kept."""

    token: str = Field(description="The secret of the link; shown only now.", examples=["f3Q2…"])
    url: str = Field(
        description="The link to send: the web client's page for it, where the invited person"
        " sees the invitation and accepts it (a program shows it with"
        " `GET /api/v1/invitations/{token}` and accepts it with `POST …/accept`).",
        examples=["https://chat.example.com/invite/f3Q2…"],
    )

    @classmethod
    def of_new(cls, invitation: Invitation, token: str, base_url: str) -> NewInvitationOut:
        return cls(
            **InvitationOut.of(invitation).model_dump(),
            token=token,
            url=f"{base_url.rstrip('/')}/invite/{token}",
        )


class InvitingWorkspaceOut(Out):
    id: str = Field(description="Workspace id.", examples=[EXAMPLE_WS])
    name: str = Field(description="Display name.", examples=["Equipo Núcleo"])
    slug: str = Field(description="Unique URL handle.", examples=["equipo-nucleo"])


class InviterOut(Out):
    id: str = Field(description="User id.", examples=[EXAMPLE_USER])
    display_name: str = Field(description="Name shown in the interface.", examples=["Ana García"])


class InvitationPreviewOut(Out):
    """An invitation that can still be accepted, as its link's holder sees it."""

    workspace: InvitingWorkspaceOut = Field(description="The workspace it lets you join.")
    inviter: InviterOut = Field(description="Who made the link.")
    role: Role = Field(description="Role given on joining.", examples=["member"])
    expires_at: datetime = Field(
        description="When the link stops working.", examples=[EXAMPLE_TIME]
    )

    @classmethod
    def of(
        cls, workspace: Workspace, inviter: User, invitation: Invitation
    ) -> InvitationPreviewOut:
        return cls(
            workspace=InvitingWorkspaceOut(
                id=workspace.id, name=workspace.name, slug=workspace.slug
            ),
            inviter=InviterOut(id=inviter.id, display_name=inviter.display_name),
            role=invitation.role,
            expires_at=invitation.expires_at,
        )
