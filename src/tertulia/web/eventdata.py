"""What each event's `data` holds, as Pydantic models, and the catalogue of every kind of
event a socket receives (its wire type, who receives it, an example). `protocol.py` renders
them into the AsyncAPI document; the tests hold every event the log holds against its model
(unknown fields are refused), so the document cannot drift from what clients receive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# ids and times of the examples
AT = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
ANA, BRUNO = "01JD5ZB0USERANA000000000A0", "01JD5ZB0USERBRUN000000000B"
WS, CH = "01JD5ZB0WORKSPACE0000000W0", "01JD5ZB0CHANNE10000000000A"
MSG, REPLY = "01JD5ZB0MESSAGE00000000001", "01JD5ZB0MESSAGE00000000002"
SESSION = "01JD5ZB0SESS10N0000000000S"


class Data(BaseModel):
    """Base of event data: exactly these fields (the tests refuse any other)."""

    model_config = ConfigDict(extra="forbid")


# people and workspaces -------------------------------------------------------------------------


class UserData(Data):
    """A person as others see them (never the email)."""

    id: str
    username: str
    display_name: str
    title: str
    timezone: str = Field(description="IANA zone, or empty.")
    created_at: datetime


class WorkspaceData(Data):
    id: str
    name: str
    slug: str
    description: str
    created_by: str
    created_at: datetime


class WorkspaceCreated(Data):
    workspace: WorkspaceData
    role: str = Field(description="Your role in it: owner.")


class MembershipData(Data):
    workspace_id: str
    user_id: str
    role: Literal["owner", "admin", "member", "guest"]
    joined_at: datetime


class WorkspaceMemberJoined(MembershipData):
    user: UserData


class WorkspaceMemberLeft(Data):
    workspace_id: str
    user_id: str
    by: str = Field(description="Who removed them (themself when they left).")


# channels ----------------------------------------------------------------------------------------


class ChannelData(Data):
    id: str
    workspace_id: str
    kind: Literal["public", "private", "dm", "group_dm"]
    name: str
    topic: str
    purpose: str
    created_by: str
    created_at: datetime
    archived_at: datetime | None
    is_default: bool = Field(description="#general: everyone joins it and none can leave.")
    user_ids: list[str] | None = Field(
        None, description="A DM's or group DM's people (absent for channels)."
    )


class ChannelChanged(ChannelData):
    by: str = Field(description="Who made the change.")


class ChannelMemberJoined(Data):
    channel: ChannelData
    user_id: str
    by: str = Field(description="Who added them (themself when they joined).")


class ChannelMemberLeft(Data):
    channel_id: str
    user_id: str
    by: str = Field(description="Who removed them (themself when they left).")


class ChannelRef(Data):
    channel_id: str


class ChannelRead(Data):
    channel_id: str
    last_read_seq: int = Field(description="Your read marker: the seq of the last message read.")


# messages ----------------------------------------------------------------------------------------


class Mentions(Data):
    user_ids: list[str]
    everyone: bool = Field(description="@channel or @all.")
    here: bool = Field(description="@here.")


class ThreadSummary(Data):
    reply_count: int
    last_reply_at: datetime | None
    participants: list[str] = Field(description="Who replied, first to reply first.")


class ThumbnailData(Data):
    size: int = Field(description="The box it fits: 64, 360 or 1280 px.")
    width: int
    height: int


class FileData(Data):
    """A file as whoever may read it sees it (see FileOut in /docs)."""

    id: str
    workspace_id: str
    uploader_id: str
    name: str
    size: int
    content_type: str = Field(description="Detected from the content.")
    kind: str
    status: str = Field(description="processing, ready or failed.")
    problem: str | None = Field(description="Why processing failed.")
    width: int | None
    height: int | None
    animated: bool
    placeholder: str = Field(description="A BlurHash ('' if none).")
    thumbnails: list[ThumbnailData]
    message_id: str | None
    channel_id: str | None
    created_at: datetime


class FileDeleted(Data):
    id: str
    message_id: str | None
    channel_id: str | None


class MessageData(Data):
    """A message as every reader of its channel sees it. Its seq is this event's id (for
    message.created); reactions travel in their own events."""

    id: str
    workspace_id: str
    channel_id: str
    author_id: str
    text: str = Field(description="The Markdown source; empty once deleted.")
    html: str = Field(description="Rendered and sanitised; empty once deleted.")
    thread_root_id: str | None
    in_channel: bool = Field(description="A reply also sent to the channel.")
    client_msg_id: str | None
    version: int = Field(description="Send it back when editing.")
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    mentions: Mentions
    thread: ThreadSummary
    pinned_at: datetime | None
    pinned_by: str | None
    files: list[FileData] = Field(description="The files it carries (none once deleted).")


class MessageDeleted(Data):
    id: str
    channel_id: str
    thread_root_id: str | None
    deleted_at: datetime
    by: str


class Reaction(Data):
    message_id: str
    channel_id: str
    emoji: str = Field(description="The Unicode emoji.")
    user_id: str


class ThreadUpdated(ThreadSummary):
    root_id: str
    channel_id: str


class ThreadRef(Data):
    root_id: str
    channel_id: str


class ThreadRead(ChannelRead):
    root_id: str


class NotificationCreated(Data):
    message_id: str
    channel_id: str
    author_id: str
    kind: Literal["mention", "everyone", "here"] = Field(
        description="@you, @channel/@all, or @here."
    )


class NotificationRead(Data):
    message_ids: list[str] | None = Field(description="null: all of them.")


class NotificationRemoved(Data):
    message_id: str
    channel_id: str


class SessionRevoked(Data):
    session_id: str = Field(description="A socket of this session is closed with 4403.")


# ephemeral ---------------------------------------------------------------------------------------


class Typing(Data):
    user_id: str
    thread_root_id: str | None
    expires_in: float = Field(description="Seconds to show it without hearing it again; 0: stop.")


class PresenceChanged(Data):
    user_id: str
    status: Literal["online", "away", "offline"]


# the catalogue -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kind:
    """An event type: its data, who receives it, and an example."""

    type: str
    summary: str
    audience: str
    example: Data
    logged: bool = True  # False: ephemeral (no id, never replayed)
    in_workspace: bool = True
    in_channel: bool = True


def _user(user_id: str = BRUNO, name: str = "bruno") -> UserData:
    return UserData(
        id=user_id, username=name, display_name=name.title(), title="", timezone="", created_at=AT
    )


def _workspace() -> WorkspaceData:
    return WorkspaceData(
        id=WS, name="Equipo", slug="equipo", description="", created_by=ANA, created_at=AT
    )


def _channel(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": CH,
        "workspace_id": WS,
        "kind": "public",
        "name": "plaza",
        "topic": "",
        "purpose": "",
        "created_by": ANA,
        "created_at": AT,
        "archived_at": None,
        "is_default": False,
    }
    return fields | changes


def _message(**changes: Any) -> MessageData:
    fields: dict[str, Any] = {
        "id": MSG,
        "workspace_id": WS,
        "channel_id": CH,
        "author_id": ANA,
        "text": "Hola @bruno",
        "html": '<p>Hola <span class="mention" data-user-id="' + BRUNO + '">@bruno</span></p>',
        "thread_root_id": None,
        "in_channel": True,
        "client_msg_id": "c-5f2a",
        "version": 1,
        "created_at": AT,
        "edited_at": None,
        "deleted_at": None,
        "mentions": Mentions(user_ids=[BRUNO], everyone=False, here=False),
        "thread": ThreadSummary(reply_count=0, last_reply_at=None, participants=[]),
        "pinned_at": None,
        "pinned_by": None,
        "files": [],
    }
    return MessageData(**(fields | changes))


def _file(**changes: Any) -> FileData:
    fields: dict[str, Any] = {
        "id": "01JD5ZF0F1LE00000000000000",
        "workspace_id": WS,
        "uploader_id": ANA,
        "name": "plano.png",
        "size": 48213,
        "content_type": "image/png",
        "kind": "image",
        "status": "processing",
        "problem": None,
        "width": None,
        "height": None,
        "animated": False,
        "placeholder": "",
        "thumbnails": [],
        "message_id": None,
        "channel_id": None,
        "created_at": AT,
    }
    return FileData(**(fields | changes))


CHANNEL_NEWS = "The channel's members; for a public channel, every full member (not guests)."
MEMBERS = "The channel's members."
YOURS = "Your own devices."
PEOPLE = "Full members of the workspace, the person, and guests who share a channel with them."

KINDS: tuple[Kind, ...] = (
    Kind(
        "workspace.created",
        "You created a workspace.",
        YOURS,
        WorkspaceCreated(workspace=_workspace(), role="owner"),
        in_channel=False,
    ),
    Kind(
        "workspace.updated",
        "A workspace was renamed or described.",
        "Everyone in the workspace, guests included.",
        _workspace(),
        in_channel=False,
    ),
    Kind(
        "workspace.member_joined",
        "Someone joined the workspace (accepted an invitation).",
        PEOPLE,
        WorkspaceMemberJoined(
            workspace_id=WS, user_id=BRUNO, role="member", joined_at=AT, user=_user()
        ),
        in_channel=False,
    ),
    Kind(
        "workspace.member_updated",
        "Someone's role changed.",
        PEOPLE,
        MembershipData(workspace_id=WS, user_id=BRUNO, role="admin", joined_at=AT),
        in_channel=False,
    ),
    Kind(
        "workspace.member_left",
        "Someone left or was removed: they lose every channel of the workspace.",
        PEOPLE,
        WorkspaceMemberLeft(workspace_id=WS, user_id=BRUNO, by=ANA),
        in_channel=False,
    ),
    Kind("channel.created", "A channel was created.", CHANNEL_NEWS, ChannelData(**_channel())),
    Kind(
        "channel.updated",
        "A channel was renamed, or its topic or purpose changed.",
        CHANNEL_NEWS,
        ChannelChanged(**_channel(topic="Todo sobre la plaza"), by=ANA),
    ),
    Kind(
        "channel.archived",
        "A channel was archived: readable, not writable.",
        CHANNEL_NEWS,
        ChannelChanged(**_channel(archived_at=AT), by=ANA),
    ),
    Kind(
        "channel.unarchived",
        "A channel was brought back.",
        CHANNEL_NEWS,
        ChannelChanged(**_channel(), by=ANA),
    ),
    Kind(
        "channel.member_joined",
        "Someone joined or was added to a channel. They receive it too, and from then on the "
        "channel's events.",
        CHANNEL_NEWS + " And the person.",
        ChannelMemberJoined(channel=ChannelData(**_channel()), user_id=BRUNO, by=ANA),
    ),
    Kind(
        "channel.member_left",
        "Someone left or was removed from a channel. They receive it too, and nothing of the "
        "channel after it.",
        CHANNEL_NEWS + " And the person.",
        ChannelMemberLeft(channel_id=CH, user_id=BRUNO, by=ANA),
    ),
    Kind("channel.muted", "You muted a channel.", YOURS, ChannelRef(channel_id=CH)),
    Kind("channel.unmuted", "You unmuted a channel.", YOURS, ChannelRef(channel_id=CH)),
    Kind(
        "channel.read",
        "You marked a channel read (on any device).",
        YOURS,
        ChannelRead(channel_id=CH, last_read_seq=1044),
    ),
    Kind(
        "message.created",
        "A message was posted (a thread reply too; `thread_root_id` says where).",
        MEMBERS,
        _message(),
    ),
    Kind(
        "message.updated",
        "A message was edited.",
        MEMBERS,
        _message(text="Hola @bruno :)", version=2, edited_at=AT),
    ),
    Kind(
        "message.deleted",
        "A message was deleted: keep a tombstone in its place.",
        MEMBERS,
        MessageDeleted(id=REPLY, channel_id=CH, thread_root_id=MSG, deleted_at=AT, by=BRUNO),
    ),
    Kind("message.pinned", "A message was pinned.", MEMBERS, _message(pinned_at=AT, pinned_by=ANA)),
    Kind("message.unpinned", "A message was unpinned.", MEMBERS, _message()),
    Kind(
        "file.created",
        "You uploaded a file (share it by posting its id in `file_ids`).",
        YOURS,
        _file(),
        in_channel=False,
    ),
    Kind(
        "file.ready",
        "An image was optimised: its thumbnails and placeholder are ready.",
        "Its uploader, and once shared, the members of its channel.",
        _file(
            status="ready",
            width=1600,
            height=1200,
            placeholder="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
            thumbnails=[ThumbnailData(size=64, width=64, height=48)],
            message_id=MSG,
            channel_id=CH,
        ),
        in_channel=False,
    ),
    Kind(
        "file.failed",
        "An image could not be processed; it stays a plain download (`problem` says why).",
        "Its uploader, and once shared, the members of its channel.",
        _file(status="failed", problem="image.corrupt"),
        in_channel=False,
    ),
    Kind(
        "file.deleted",
        "A file was deleted: drop it from its message.",
        "Its uploader, and once shared, the members of its channel.",
        FileDeleted(id="01JD5ZF0F1LE00000000000000", message_id=MSG, channel_id=CH),
        in_channel=False,
    ),
    Kind(
        "reaction.added",
        "Someone reacted.",
        MEMBERS,
        Reaction(message_id=MSG, channel_id=CH, emoji="👍", user_id=BRUNO),
    ),
    Kind(
        "reaction.removed",
        "Someone took a reaction back.",
        MEMBERS,
        Reaction(message_id=MSG, channel_id=CH, emoji="👍", user_id=BRUNO),
    ),
    Kind(
        "thread.updated",
        "A thread's summary changed (a reply came or went).",
        MEMBERS,
        ThreadUpdated(
            root_id=MSG, channel_id=CH, reply_count=1, last_reply_at=AT, participants=[BRUNO]
        ),
    ),
    Kind("thread.followed", "You follow a thread.", YOURS, ThreadRef(root_id=MSG, channel_id=CH)),
    Kind(
        "thread.unfollowed",
        "You no longer follow a thread.",
        YOURS,
        ThreadRef(root_id=MSG, channel_id=CH),
    ),
    Kind(
        "thread.read",
        "You read a thread (on any device).",
        YOURS,
        ThreadRead(channel_id=CH, root_id=MSG, last_read_seq=1046),
    ),
    Kind(
        "notification.created",
        "You were mentioned: a new item in your inbox.",
        YOURS,
        NotificationCreated(message_id=MSG, channel_id=CH, author_id=ANA, kind="mention"),
    ),
    Kind(
        "notification.read",
        "You marked notifications read.",
        YOURS,
        NotificationRead(message_ids=[MSG]),
        in_workspace=False,
        in_channel=False,
    ),
    Kind(
        "notification.removed",
        "A mention of you was edited away or deleted.",
        YOURS,
        NotificationRemoved(message_id=MSG, channel_id=CH),
    ),
    Kind(
        "user.updated",
        "Someone changed their profile.",
        "Everyone who shares a workspace with them.",
        _user(),
        in_workspace=False,
        in_channel=False,
    ),
    Kind(
        "session.revoked",
        "One of your sessions was logged out; its sockets are closed with 4403.",
        YOURS,
        SessionRevoked(session_id=SESSION),
        in_workspace=False,
        in_channel=False,
    ),
    Kind(
        "typing.started",
        "Someone is typing (in a thread, when `thread_root_id` is set). Ephemeral.",
        MEMBERS + " Sockets viewing another channel (see the view command) do not get it.",
        Typing(user_id=BRUNO, thread_root_id=None, expires_in=6.0),
        logged=False,
        in_workspace=False,
    ),
    Kind(
        "typing.stopped",
        "Someone stopped typing. Ephemeral.",
        MEMBERS + " Sockets viewing another channel do not get it.",
        Typing(user_id=BRUNO, thread_root_id=None, expires_in=0),
        logged=False,
        in_workspace=False,
    ),
    Kind(
        "presence.changed",
        "Someone came online, went away or offline (the best over all their devices). Ephemeral.",
        "The sockets that subscribed to this person (presence.subscribe).",
        PresenceChanged(user_id=BRUNO, status="online"),
        logged=False,
        in_workspace=False,
        in_channel=False,
    ),
)
BY_TYPE = {kind.type: kind for kind in KINDS}
