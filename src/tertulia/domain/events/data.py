"""What events carry: the shape of each event's `data` as a TypedDict, and the builders of
the shapes several events share (a person, a workspace, a channel, a message, a file).

These are the socket's data models: `web/eventdata.py` renders each TypedDict into the
AsyncAPI document (a field's `Doc` becomes its description, a class docstring the model's),
and mypy holds every builder to its shape. Names are the document's schema names. A key
marked NotRequired may be absent (the document gives it a null default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal, NotRequired, TypedDict

from tertulia.domain.channels import Channel
from tertulia.domain.messages import Message
from tertulia.domain.users import User
from tertulia.domain.workspaces import Membership, Workspace


@dataclass(frozen=True, slots=True)
class Doc:
    """A field's description in the socket's document: `Annotated[str, Doc("…")]`."""

    text: str


# people and workspaces -------------------------------------------------------------------------


class UserData(TypedDict):
    """A person as others see them (never the email)."""

    id: str
    username: str
    display_name: str
    title: str
    timezone: Annotated[str, Doc("IANA zone, or empty.")]
    created_at: datetime


class WorkspaceData(TypedDict):
    id: str
    name: str
    slug: str
    description: str
    created_by: str
    created_at: datetime


class WorkspaceCreated(TypedDict):
    workspace: WorkspaceData
    role: Annotated[str, Doc("Your role in it: owner.")]


class MembershipData(TypedDict):
    workspace_id: str
    user_id: str
    role: Literal["owner", "admin", "member", "guest"]
    joined_at: datetime


class WorkspaceMemberJoined(MembershipData):
    user: UserData


class WorkspaceMemberLeft(TypedDict):
    workspace_id: str
    user_id: str
    by: Annotated[str, Doc("Who removed them (themself when they left).")]


# channels --------------------------------------------------------------------------------------


class ChannelData(TypedDict):
    id: str
    workspace_id: str
    kind: Literal["public", "private", "dm", "group_dm"]
    name: str
    topic: str
    purpose: str
    created_by: str
    created_at: datetime
    archived_at: datetime | None
    is_default: Annotated[bool, Doc("#general: everyone joins it and none can leave.")]
    user_ids: NotRequired[
        Annotated[list[str] | None, Doc("A DM's or group DM's people (absent for channels).")]
    ]


class ChannelChanged(ChannelData):
    by: Annotated[str, Doc("Who made the change.")]


class ChannelMemberJoined(TypedDict):
    channel: ChannelData
    user_id: str
    by: Annotated[str, Doc("Who added them (themself when they joined).")]


class ChannelMemberLeft(TypedDict):
    channel_id: str
    user_id: str
    by: Annotated[str, Doc("Who removed them (themself when they left).")]


class ChannelRef(TypedDict):
    channel_id: str


class ChannelRead(TypedDict):
    channel_id: str
    last_read_seq: Annotated[int, Doc("Your read marker: the seq of the last message read.")]


# messages --------------------------------------------------------------------------------------


class Mentions(TypedDict):
    user_ids: list[str]
    everyone: Annotated[bool, Doc("@channel or @all.")]
    here: Annotated[bool, Doc("@here.")]


class ThreadSummary(TypedDict):
    reply_count: int
    last_reply_at: datetime | None
    participants: Annotated[list[str], Doc("Who replied, first to reply first.")]


class ThumbnailData(TypedDict):
    size: Annotated[int, Doc("The box it fits: 64, 360 or 1280 px.")]
    width: int
    height: int


class FileData(TypedDict):
    """A file as whoever may read it sees it (see FileOut in /docs)."""

    id: str
    workspace_id: str
    uploader_id: str
    name: str
    size: int
    content_type: Annotated[str, Doc("Detected from the content.")]
    kind: str
    status: Annotated[str, Doc("processing, ready or failed.")]
    problem: Annotated[str | None, Doc("Why processing failed.")]
    width: int | None
    height: int | None
    animated: bool
    placeholder: Annotated[str, Doc("A BlurHash ('' if none).")]
    thumbnails: list[ThumbnailData]
    message_id: str | None
    channel_id: str | None
    created_at: datetime


class FileDeleted(TypedDict):
    id: str
    message_id: str | None
    channel_id: str | None


class MessageData(TypedDict):
    """A message as every reader of its channel sees it. Its seq is this event's id (for
    message.created); reactions travel in their own events."""

    id: str
    workspace_id: str
    channel_id: str
    author_id: str
    text: Annotated[str, Doc("The Markdown source; empty once deleted.")]
    html: Annotated[str, Doc("Rendered and sanitised; empty once deleted.")]
    thread_root_id: str | None
    in_channel: Annotated[bool, Doc("A reply also sent to the channel.")]
    client_msg_id: str | None
    version: Annotated[int, Doc("Send it back when editing.")]
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    mentions: Mentions
    thread: ThreadSummary
    pinned_at: datetime | None
    pinned_by: str | None
    files: Annotated[list[FileData], Doc("The files it carries (none once deleted).")]


class MessageDeleted(TypedDict):
    id: str
    channel_id: str
    thread_root_id: str | None
    deleted_at: datetime
    by: str


class Reaction(TypedDict):
    message_id: str
    channel_id: str
    emoji: Annotated[str, Doc("The Unicode emoji.")]
    user_id: str


class ThreadUpdated(ThreadSummary):
    root_id: str
    channel_id: str


class ThreadRef(TypedDict):
    root_id: str
    channel_id: str


class ThreadRead(ChannelRead):
    root_id: str


class NotificationCreated(TypedDict):
    message_id: str
    channel_id: str
    author_id: str
    kind: Annotated[Literal["mention", "everyone", "here"], Doc("@you, @channel/@all, or @here.")]


class NotificationRead(TypedDict):
    message_ids: Annotated[list[str] | None, Doc("null: all of them.")]


class NotificationRemoved(TypedDict):
    message_id: str
    channel_id: str


class SessionRevoked(TypedDict):
    session_id: Annotated[str, Doc("A socket of this session is closed with 4403.")]


# ephemeral -------------------------------------------------------------------------------------


class Typing(TypedDict):
    user_id: str
    thread_root_id: str | None
    expires_in: Annotated[float, Doc("Seconds to show it without hearing it again; 0: stop.")]


class PresenceChanged(TypedDict):
    user_id: str
    status: Literal["online", "away", "offline"]


# the shared shapes, built ----------------------------------------------------------------------


def user_data(user: User) -> UserData:
    """A person as others see them (no email)."""
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "title": user.title,
        "timezone": user.timezone,
        "created_at": user.created_at,
    }


def workspace_data(workspace: Workspace) -> WorkspaceData:
    return {
        "id": workspace.id,
        "name": workspace.name,
        "slug": workspace.slug,
        "description": workspace.description,
        "created_by": workspace.created_by,
        "created_at": workspace.created_at,
    }


def membership_data(membership: Membership) -> MembershipData:
    return {
        "workspace_id": membership.workspace_id,
        "user_id": membership.user_id,
        "role": membership.role.value,
        "joined_at": membership.joined_at,
    }


def channel_data(channel: Channel) -> ChannelData:
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


def message_data(message: Message, files: Sequence[FileData] = ()) -> MessageData:
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


def thread_data(root: Message) -> ThreadSummary:
    return {
        "reply_count": root.reply_count,
        "last_reply_at": root.last_reply_at,
        "participants": list(root.participants),
    }
