"""The WebSocket protocol as an AsyncAPI 3.0 document (`/asyncapi.json`): every frame the
server sends (events, replies) and every command it takes, with its fields and an example.

The fields of each event's `data` are Pydantic models here, so the document is generated, not
written by hand, and the tests hold every event the log holds against its model (unknown
fields are refused): the document cannot drift from what clients receive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

from tertulia import __version__

REF = "#/components/schemas/{model}"

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
    kind: Literal["public", "private", "dm", "group"]
    name: str
    topic: str
    purpose: str
    created_by: str
    created_at: datetime
    archived_at: datetime | None
    is_default: bool = Field(description="#general: everyone joins it and none can leave.")


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


# server replies and client commands --------------------------------------------------------------


class Hello(Data):
    type: Literal["hello"]
    user_id: str
    last_event_id: int = Field(
        description="Events up to here are replayed (if resuming) or already known; live "
        "events follow with greater ids."
    )
    resumed: bool = Field(description="A last_event_id was given and the replay follows.")


class ResyncRequired(Data):
    type: Literal["resync_required"]
    last_event_id: int = Field(
        description="The gap is older than the log keeps: refetch by REST, then resume from "
        "this id."
    )


class Pong(Data):
    type: Literal["pong"]


class PresenceSubscribed(Data):
    type: Literal["presence.subscribed"]
    users: dict[str, Literal["online", "away", "offline"]] = Field(
        description="The presence now of those asked for whom you may see (others are left "
        "out, silently); presence.changed follows for them."
    )


class Error(Data):
    type: Literal["error"]
    code: str = Field(description="Stable, dotted: frame.malformed, command.unknown, …")
    detail: str


class Auth(Data):
    type: Literal["auth"]
    token: str = Field(description="An access token (the JWT from /auth/login or refresh).")
    last_event_id: int | None = Field(
        None, ge=0, description="The id of the last event you received: resume after it."
    )


class Ping(Data):
    type: Literal["ping"]


class Presence(Data):
    type: Literal["presence"]
    status: Literal["active", "away"] = Field(
        description="away: the person is not at this device (idle, hidden tab)."
    )


class PresenceSubscribe(Data):
    type: Literal["presence.subscribe"]
    user_ids: list[str] = Field(
        max_length=500,
        description="Whose presence this socket hears from now on: the people your client "
        "shows (at most 500; replaces the previous list; [] for none).",
    )


class TypingCommand(Data):
    type: Literal["typing.start", "typing.stop"]
    channel_id: str
    thread_root_id: str | None = None


class View(Data):
    type: Literal["view"]
    channel_id: str | None = Field(
        description="The channel your client shows; null: none in particular (hear typing "
        "everywhere)."
    )


@dataclass(frozen=True, slots=True)
class Frame:
    name: str
    summary: str
    model: type[Data]
    example: Data


REPLIES = (
    Frame(
        "hello",
        "The first frame after auth.",
        Hello,
        Hello(type="hello", user_id=ANA, last_event_id=1042, resumed=True),
    ),
    Frame(
        "resync_required",
        "Instead of a replay, when the gap is no longer in the log.",
        ResyncRequired,
        ResyncRequired(type="resync_required", last_event_id=90210),
    ),
    Frame("pong", "The answer to ping.", Pong, Pong(type="pong")),
    Frame(
        "presence.subscribed",
        "The answer to presence.subscribe.",
        PresenceSubscribed,
        PresenceSubscribed(type="presence.subscribed", users={BRUNO: "online"}),
    ),
    Frame(
        "error",
        "A command was refused; the socket stays open.",
        Error,
        Error(
            type="error",
            code="typing.not_member",
            detail="You can only type in channels you are in.",
        ),
    ),
)

COMMANDS = (
    Frame(
        "auth",
        "The first frame, within 10 seconds (the token never goes in the URL).",
        Auth,
        Auth(type="auth", token="eyJhbGciOiJIUzI1NiJ9…", last_event_id=1042),  # noqa: S106
    ),
    Frame("ping", "Are you there? (answered with pong)", Ping, Ping(type="ping")),
    Frame(
        "presence",
        "The person is active at this device, or away.",
        Presence,
        Presence(type="presence", status="away"),
    ),
    Frame(
        "presence.subscribe",
        "Hear the presence of these people (those your client shows).",
        PresenceSubscribe,
        PresenceSubscribe(type="presence.subscribe", user_ids=[BRUNO]),
    ),
    Frame(
        "typing",
        "typing.start (at most every 3 s while typing; expires after 6 s) or typing.stop.",
        TypingCommand,
        TypingCommand(type="typing.start", channel_id=CH, thread_root_id=None),
    ),
    Frame(
        "view",
        "Which channel the client shows: typing elsewhere is not sent to this socket.",
        View,
        View(type="view", channel_id=CH),
    ),
)

DESCRIPTION = """\
Real time for Tertulia clients: one WebSocket, `GET /api/v1/ws`.

**Connect.** Open the socket and send, as the first frame within 10 seconds,
`{"type": "auth", "token": "<access token>", "last_event_id": <the last id you saw, or null>}`.
The token never travels in the URL, so no access log holds it. The server answers `hello`.

**Events.** Each event is one JSON text frame: `{"type", "id", "at", "workspace_id",
"channel_id", "data"}`. You receive every event you may see, and only those: a private
channel's or a DM's events reach its members alone; someone removed from a channel stops
receiving its events at once. Ids increase; logged events are never sent twice and never
skipped. Ephemeral events (typing, presence) have no `id` and are never replayed.

**Resume.** After any interruption, reconnect with the last `id` you received: you get every
event you missed, in order, then live ones, with no gap and no duplicate at the seam. When
the gap is older than the server keeps (24 hours by default), you get `resync_required`:
refetch by REST, then resume from the id it gives.

**Writes go through REST.** Posting, editing, reacting, marking read are REST calls; each
appears here as the same event whoever made it. The socket takes only ephemeral commands:
typing, presence, presence.subscribe, view, ping.

**Presence** reaches the sockets that ask for it: send `presence.subscribe` with the ids of
the people your client shows (as Slack's clients do); the answer gives their presence now,
and `presence.changed` follows whenever it changes. `GET /api/v1/workspaces/{ws}/presence`
lists who is online or away.

**Close codes.** 4000 resume (you fell too far behind, or the server is restarting: reconnect
and resume); 1012 service restart (reconnect and resume); 4401 not authenticated (the reason
says why: auth.timeout, auth.expected, auth.missing_token, auth.bad_last_event_id,
auth.token_expired, …: get a fresh token); 4403 session ended (logged out: log in again);
4429 too many commands, again and again; 1009 a frame over the size limit (16 KiB by
default); 1003 a binary frame.

**Limits.** 10 commands a second per socket (bursts of 30); past that each command gets
`error` `commands.rate_limited`, and persisting closes with 4429. A socket that reads too
slowly first loses typing and presence, then is closed with 4000 (resume).
"""


def asyncapi(public_url: str) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of the socket, served at this public address."""
    models: list[type[Data]] = sorted(
        {type(kind.example) for kind in KINDS} | {f.model for f in (*REPLIES, *COMMANDS)},
        key=lambda m: m.__name__,
    )
    _, schemas = models_json_schema([(m, "serialization") for m in models], ref_template=REF)
    messages: dict[str, Any] = {}
    for kind in KINDS:
        messages[kind.type] = _event_message(kind)
    for frame in (*REPLIES, *COMMANDS):
        messages[frame.name] = {
            "name": frame.name,
            "summary": frame.summary,
            "contentType": "application/json",
            "payload": {"$ref": REF.format(model=frame.model.__name__)},
            "examples": [{"payload": frame.example.model_dump(mode="json")}],
        }
    secure = public_url.startswith("https://")
    host = public_url.split("://", 1)[-1].rstrip("/")

    def refs(names: list[str]) -> list[dict[str, str]]:
        return [{"$ref": f"#/channels/live/messages/{name}"} for name in names]

    sent = [k.type for k in KINDS] + [f.name for f in REPLIES]
    taken = [f.name for f in COMMANDS]
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Tertulia real time", "version": __version__, "description": DESCRIPTION},
        "defaultContentType": "application/json",
        "servers": {
            "tertulia": {
                "host": host,
                "protocol": "wss" if secure else "ws",
                "description": "This server (REST: /openapi.json, /docs).",
            }
        },
        "channels": {
            "live": {
                "address": "/api/v1/ws",
                "title": "The socket",
                "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
                "bindings": {"ws": {"method": "GET"}},
            }
        },
        "operations": {
            "sendEvents": {
                "action": "send",
                "channel": {"$ref": "#/channels/live"},
                "title": "Events and replies the server sends",
                "messages": refs(sent),
            },
            "receiveCommands": {
                "action": "receive",
                "channel": {"$ref": "#/channels/live"},
                "title": "Commands the server takes",
                "messages": refs(taken),
            },
        },
        "components": {"messages": messages, "schemas": schemas["$defs"]},
    }


def _event_message(kind: Kind) -> dict[str, Any]:
    properties: dict[str, Any] = {"type": {"const": kind.type}}
    required = ["type", "at", "workspace_id", "channel_id", "data"]
    if kind.logged:
        properties["id"] = {
            "type": "integer",
            "description": "Its place in the log; resume after it.",
        }
        required.insert(1, "id")
    properties["at"] = (
        {"type": "string", "format": "date-time", "description": "When it happened."}
        if kind.logged
        else {"type": "null"}
    )
    properties["workspace_id"] = {"type": "string"} if kind.in_workspace else {"type": "null"}
    properties["channel_id"] = {"type": "string"} if kind.in_channel else {"type": "null"}
    properties["data"] = {"$ref": REF.format(model=type(kind.example).__name__)}
    example: dict[str, Any] = {"type": kind.type}
    if kind.logged:
        example["id"] = 1043
    example |= {
        "at": AT.isoformat().replace("+00:00", "Z") if kind.logged else None,
        "workspace_id": WS if kind.in_workspace else None,
        "channel_id": CH if kind.in_channel else None,
        "data": kind.example.model_dump(mode="json"),
    }
    return {
        "name": kind.type,
        "summary": kind.summary,
        "description": f"Received by: {kind.audience}"
        + ("" if kind.logged else " Ephemeral: no id, never replayed."),
        "contentType": "application/json",
        "payload": {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        },
        "examples": [{"payload": example}],
    }
