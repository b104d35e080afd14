"""Events of workspaces: created, changed, and people joining, changing role and leaving."""

from __future__ import annotations

from collections.abc import Iterable

from tertulia.domain.events import data
from tertulia.domain.events.base import Event, Kind, about_person, everyone, person
from tertulia.domain.ids import ChannelId, UserId, WorkspaceId
from tertulia.domain.users import User
from tertulia.domain.workspaces import Membership, Workspace

PEOPLE = "Full members of the workspace, the person, and guests who share a channel with them."


class WorkspaceCreated(Kind):
    __slots__ = ()
    TYPE = "workspace.created"
    DATA = data.WorkspaceCreated
    SUMMARY = "You created a workspace."
    RECEIVED_BY = "Your own devices."
    IN_CHANNEL = False
    CHANGES_SCOPES = True

    @classmethod
    def of(cls, workspace: Workspace, owner: Membership) -> Event:
        body: data.WorkspaceCreated = {
            "workspace": data.workspace_data(workspace),
            "role": owner.role.value,
        }
        return cls.make(body, (person(owner.user_id),), workspace_id=workspace.id)


class WorkspaceUpdated(Kind):
    __slots__ = ()
    TYPE = "workspace.updated"
    DATA = data.WorkspaceData
    SUMMARY = "A workspace was renamed or described."
    RECEIVED_BY = "Everyone in the workspace, guests included."
    IN_CHANNEL = False

    @classmethod
    def of(cls, workspace: Workspace) -> Event:
        return cls.make(
            data.workspace_data(workspace), (everyone(workspace.id),), workspace_id=workspace.id
        )


class WorkspaceMemberJoined(Kind):
    __slots__ = ()
    TYPE = "workspace.member_joined"
    DATA = data.WorkspaceMemberJoined
    SUMMARY = "Someone joined the workspace (accepted an invitation)."
    RECEIVED_BY = PEOPLE
    IN_CHANNEL = False
    CHANGES_SCOPES = True

    @classmethod
    def of(cls, membership: Membership, user: User, channels: Iterable[ChannelId]) -> Event:
        body: data.WorkspaceMemberJoined = {
            **data.membership_data(membership),
            "user": data.user_data(user),
        }
        return cls.make(
            body,
            about_person(membership.workspace_id, membership.user_id, channels),
            workspace_id=membership.workspace_id,
        )


class WorkspaceMemberUpdated(Kind):
    __slots__ = ()
    TYPE = "workspace.member_updated"
    DATA = data.MembershipData
    SUMMARY = "Someone's role changed."
    RECEIVED_BY = PEOPLE
    IN_CHANNEL = False
    CHANGES_SCOPES = NARROWS = True  # a member made guest sees fewer people

    @classmethod
    def of(cls, membership: Membership, channels: Iterable[ChannelId]) -> Event:
        return cls.make(
            data.membership_data(membership),
            about_person(membership.workspace_id, membership.user_id, channels),
            workspace_id=membership.workspace_id,
        )


class WorkspaceMemberLeft(Kind):
    __slots__ = ()
    TYPE = "workspace.member_left"
    DATA = data.WorkspaceMemberLeft
    SUMMARY = "Someone left or was removed: they lose every channel of the workspace."
    RECEIVED_BY = PEOPLE
    IN_CHANNEL = False
    CHANGES_SCOPES = NARROWS = True

    @classmethod
    def of(
        cls, workspace_id: WorkspaceId, user_id: UserId, by: UserId, channels: Iterable[ChannelId]
    ) -> Event:
        body: data.WorkspaceMemberLeft = {
            "workspace_id": workspace_id,
            "user_id": user_id,
            "by": by,
        }
        return cls.make(
            body, about_person(workspace_id, user_id, channels), workspace_id=workspace_id
        )
