"""The WebSocket protocol as an AsyncAPI 3.0 document (`/asyncapi.json`): every frame the
server sends (events, replies), every command it takes, with its fields and an example, and
every close code.

The events are the domain's catalogue (`domain/events/`): their wire types, audiences and the
fields of their `data`, rendered into Pydantic models by `eventdata.py`; so the document is
generated, not written by hand, and the tests hold every event the log holds against its
model (unknown fields are refused): the document cannot drift from what clients receive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field
from pydantic.json_schema import models_json_schema

from tertulia import __version__
from tertulia.web.closes import CLOSE_CODES
from tertulia.web.eventdata import (
    ANA,
    AT,
    BRUNO,
    BY_TYPE,
    CH,
    KINDS,
    WS,
    Data,
    Documented,
)

__all__ = ["BY_TYPE", "KINDS", "Documented", "asyncapi"]

REF = "#/components/schemas/{model}"

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
        description="The gap is older than the log keeps, or your last_event_id is one this "
        "server's log never held (a restored database, another deployment): refetch by REST, "
        "then resume from this id."
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
        None,
        ge=0,
        description="The id of the last event you received (or the `last_event_id` of"
        " `GET /api/v1/boot`): resume after it.",
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
        "typing.start (every 3 s while typing; expires after 6 s) or typing.stop. The "
        "channel hears one start per person every 3 s at most, and a stop only after it.",
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

**Resume.** After any interruption, reconnect with the last `id` you received, to any node:
you get every event you missed, in order, then live ones, with no gap and no duplicate at the
seam. A node that has not heard of your id yet reads the log before it answers: `hello`
never gives an id below yours while the log holds yours. When the gap is older than the
server keeps (24 hours by default), or your id is one the log never held (a restored
database, another deployment), you get `resync_required`: refetch by REST, then resume from
the id it gives.

**Writes go through REST.** Posting, editing, reacting, marking read are REST calls; each
appears here as the same event whoever made it. The socket takes only ephemeral commands:
typing, presence, presence.subscribe, view, ping.

**Presence** reaches the sockets that ask for it: send `presence.subscribe` with the ids of
the people your client shows (as Slack's clients do); the answer gives their presence now,
and `presence.changed` follows whenever it changes. `GET /api/v1/workspaces/{ws}/presence`
lists who is online or away.

**Limits.** 10 commands a second per socket (bursts of 30); past that each command gets
`error` `commands.rate_limited`, and persisting closes with 4429. A socket that reads too
slowly first loses typing and presence, then is closed with 4000 (resume); one that does not
answer the server's heartbeat ping (every 20 s by default) within as long again is closed with
4000 too, even if it stopped reading altogether. One person may have 50 sockets open (by
default, on every node together); one more is closed with 4409. A person's typing reaches a
channel at most once every 3 seconds (and its stop once after it), however often and from
however many sockets they send it.

**Close codes.** Every code the server closes a socket with (besides echoing yours):

"""


def close_codes() -> str:
    """The close codes, one Markdown line each, as the description lists them."""
    return "\n".join(
        f"- {c.code.value}" + (f" ({c.reasons})" if c.reasons else "") + f": {c.meaning}"
        for c in CLOSE_CODES
    )


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
        "info": {
            "title": "Tertulia real time",
            "version": __version__,
            "description": DESCRIPTION + close_codes() + "\n",
        },
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
                "x-close-codes": [
                    {"code": c.code.value, "reasons": c.reasons, "description": c.meaning}
                    for c in CLOSE_CODES
                ],
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


def _event_message(kind: Documented) -> dict[str, Any]:
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
