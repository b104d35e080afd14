"""Events: past-tense facts appended to the event log in the same transaction as the change.

Each event names its workspace, its channel if any, and its audience: the scopes whose members
may see it. Scopes are strings so that any gateway can index connections by them:
``ws:{id}`` everyone in a workspace, guests included; ``ws-full:{id}`` everyone but guests;
``ch:{id}`` the members of a channel; ``user:{id}`` one person (all their devices).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tertulia.domain.channels import Channel, ChannelKind
from tertulia.domain.ids import ChannelId, UserId, WorkspaceId
from tertulia.domain.messages import Message
from tertulia.domain.users import User
from tertulia.domain.workspaces import Membership, Workspace

Data = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Event:
    """A fact with a wire type such as 'channel.created'; `id` is given when the log stores it."""

    type: str
    data: Data
    audience: tuple[str, ...]
    workspace_id: WorkspaceId | None = None
    channel_id: ChannelId | None = None
    id: int = 0
    at: datetime | None = field(default=None, compare=False)


def everyone(workspace: WorkspaceId) -> str:
    return f"ws:{workspace}"


def full_members(workspace: WorkspaceId) -> str:
    return f"ws-full:{workspace}"


def channel_members(channel: ChannelId) -> str:
    return f"ch:{channel}"


def person(user: UserId) -> str:
    return f"user:{user}"


def about_person(
    workspace: WorkspaceId, user: UserId, channels: Iterable[ChannelId]
) -> tuple[str, ...]:
    """News about someone in a workspace (they joined, left, changed role): full members see
    everyone; guests only the people of their channels; the person themself, always."""
    return (full_members(workspace), person(user), *(channel_members(c) for c in channels))


def channel_audience(channel: Channel, *extra: UserId) -> tuple[str, ...]:
    """Public channels are news for every full member; other channels only for their members."""
    scopes = [channel_members(channel.id)]
    if channel.kind is ChannelKind.PUBLIC:
        scopes.append(full_members(channel.workspace_id))
    scopes.extend(person(u) for u in extra)
    return tuple(scopes)


def user_data(user: User) -> dict[str, Any]:
    """A person as others see them (no email)."""
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "title": user.title,
        "timezone": user.timezone,
        "created_at": user.created_at,
    }


def workspace_data(workspace: Workspace) -> dict[str, Any]:
    return {
        "id": workspace.id,
        "name": workspace.name,
        "slug": workspace.slug,
        "description": workspace.description,
        "created_by": workspace.created_by,
        "created_at": workspace.created_at,
    }


def membership_data(membership: Membership) -> dict[str, Any]:
    return {
        "workspace_id": membership.workspace_id,
        "user_id": membership.user_id,
        "role": membership.role.value,
        "joined_at": membership.joined_at,
    }


def channel_data(channel: Channel) -> dict[str, Any]:
    return {
        "id": channel.id,
        "workspace_id": channel.workspace_id,
        "kind": channel.kind.value,
        "name": channel.name,
        "topic": channel.topic,
        "purpose": channel.purpose,
        "created_by": channel.created_by,
        "created_at": channel.created_at,
        "archived_at": channel.archived_at,
        "is_default": channel.is_default,
    }


def member_joined(channel: Channel, user_id: UserId, by: UserId) -> Event:
    """Someone joined (or was added to) a channel; they hear of it too."""
    return Event(
        "channel.member_joined",
        {"channel": channel_data(channel), "user_id": user_id, "by": by},
        channel_audience(channel, user_id),
        workspace_id=channel.workspace_id,
        channel_id=channel.id,
    )


def member_left(channel: Channel, user_id: UserId, by: UserId) -> Event:
    """Someone left (or was removed from) a channel; they hear of it although no longer in it."""
    return Event(
        "channel.member_left",
        {"channel_id": channel.id, "user_id": user_id, "by": by},
        channel_audience(channel, user_id),
        workspace_id=channel.workspace_id,
        channel_id=channel.id,
    )


def message_data(message: Message, files: Sequence[Data] = ()) -> dict[str, Any]:
    """A message as every reader of its channel sees it, with its files' data. Reactions
    travel in their own events, and so does its place: a message's seq is the id of its
    message.created event (assigned only at commit, so the event cannot carry it in its own
    data)."""
    deleted = message.is_deleted
    return {
        "id": message.id,
        "workspace_id": message.workspace_id,
        "channel_id": message.channel_id,
        "author_id": message.author_id,
        "text": "" if deleted else message.text,
        "html": "" if deleted else message.html,
        "thread_root_id": message.thread_root_id,
        "in_channel": message.in_channel,
        "client_msg_id": message.client_msg_id,
        "version": message.version,
        "created_at": message.created_at,
        "edited_at": message.edited_at,
        "deleted_at": message.deleted_at,
        "mentions": {
            "user_ids": [] if deleted else list(message.mentioned),
            "everyone": message.mentions_everyone and not deleted,
            "here": message.mentions_here and not deleted,
        },
        "thread": thread_data(message),
        "pinned_at": message.pinned_at,
        "pinned_by": message.pinned_by,
        "files": [] if deleted else list(files),
    }


def thread_data(root: Message) -> dict[str, Any]:
    return {
        "reply_count": root.reply_count,
        "last_reply_at": root.last_reply_at,
        "participants": list(root.participants),
    }
