"""The socket's event data as Pydantic models, rendered from the domain's catalogue
(`domain/events/`: one class per kind of event, its data a TypedDict), and an example of
each. `protocol.py` puts them in the AsyncAPI document; the tests hold every event the log
holds against its model (unknown fields are refused), so the document cannot drift from
what clients receive. Nothing here restates a field: a new kind of event needs only its
example.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import (
    Annotated,
    Any,
    NotRequired,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

from pydantic import BaseModel, ConfigDict, Field, create_model

from tertulia.domain.events import catalogue
from tertulia.domain.events import data as shapes
from tertulia.domain.events.base import Kind
from tertulia.domain.events.data import Doc

# ids and times of the examples
AT = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
ANA, BRUNO = "01JD5ZB0USERANA000000000A0", "01JD5ZB0USERBRUN000000000B"
WS, CH = "01JD5ZB0WORKSPACE0000000W0", "01JD5ZB0CHANNE10000000000A"
MSG, REPLY = "01JD5ZB0MESSAGE00000000001", "01JD5ZB0MESSAGE00000000002"
SESSION = "01JD5ZB0SESS10N0000000000S"


class Data(BaseModel):
    """Base of event data: exactly these fields (the tests refuse any other)."""

    model_config = ConfigDict(extra="forbid")


# the models, from the domain's TypedDicts ------------------------------------------------------

_MODELS: dict[type, type[Data]] = {}


def model_of(shape: type) -> type[Data]:
    """The Pydantic model of a TypedDict of `domain/events/data.py`: the same name, fields
    and order; a field's `Doc` is its description, a key that may be absent defaults to
    null; nested shapes become models of their own."""
    if shape not in _MODELS:
        fields: dict[str, Any] = {}
        for name, hint in get_type_hints(shape, include_extras=True).items():
            # read from the hint: under postponed annotations, __required_keys__ cannot see it
            optional = get_origin(hint) is NotRequired
            if optional:
                hint = get_args(hint)[0]
            description = None
            if get_origin(hint) is Annotated:
                hint, *extras = get_args(hint)
                description = next((e.text for e in extras if isinstance(e, Doc)), None)
            default: Any = None if optional else ...
            fields[name] = (_type(hint), Field(default, description=description))
        _MODELS[shape] = create_model(
            shape.__name__, __base__=Data, __doc__=shape.__doc__, **fields
        )
    return _MODELS[shape]


def _type(hint: Any) -> Any:
    """A field's type with every TypedDict in it made a model."""
    if is_typeddict(hint):
        return model_of(hint)
    origin = get_origin(hint)
    if origin is list:
        return list[_type(get_args(hint)[0])]  # type: ignore[misc]
    if origin in (Union, types.UnionType):
        return Union[tuple(_type(arg) for arg in get_args(hint))]  # noqa: UP007
    return hint


# the catalogue, documented ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Documented:
    """A kind of event as the document shows it: the domain's class and an example."""

    kind: type[Kind]
    example: Data

    @property
    def type(self) -> str:
        return self.kind.TYPE

    @property
    def summary(self) -> str:
        return self.kind.SUMMARY

    @property
    def audience(self) -> str:
        return self.kind.RECEIVED_BY

    @property
    def logged(self) -> bool:
        return self.kind.LOGGED

    @property
    def in_workspace(self) -> bool:
        return self.kind.IN_WORKSPACE

    @property
    def in_channel(self) -> bool:
        return self.kind.IN_CHANNEL


def _example(shape: type, **fields: Any) -> Data:
    return model_of(shape)(**fields)


def _user(user_id: str = BRUNO, name: str = "bruno") -> Data:
    return _example(
        shapes.UserData,
        id=user_id,
        username=name,
        display_name=name.title(),
        title="",
        timezone="",
        created_at=AT,
    )


def _workspace() -> Data:
    return _example(
        shapes.WorkspaceData,
        id=WS,
        name="Equipo",
        slug="equipo",
        description="",
        created_by=ANA,
        created_at=AT,
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


def _message(**changes: Any) -> Data:
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
        "mentions": {"user_ids": [BRUNO], "everyone": False, "here": False},
        "thread": {"reply_count": 0, "last_reply_at": None, "participants": []},
        "pinned_at": None,
        "pinned_by": None,
        "files": [],
    }
    return _example(shapes.MessageData, **(fields | changes))


def _file(**changes: Any) -> Data:
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
    return _example(shapes.FileData, **(fields | changes))


def _examples() -> dict[str, Data]:
    """An example of every kind of event's data, by wire type."""
    s = shapes
    return {
        "workspace.created": _example(s.WorkspaceCreated, workspace=_workspace(), role="owner"),
        "workspace.updated": _workspace(),
        "workspace.member_joined": _example(
            s.WorkspaceMemberJoined,
            workspace_id=WS,
            user_id=BRUNO,
            role="member",
            joined_at=AT,
            user=_user(),
        ),
        "workspace.member_updated": _example(
            s.MembershipData, workspace_id=WS, user_id=BRUNO, role="admin", joined_at=AT
        ),
        "workspace.member_left": _example(
            s.WorkspaceMemberLeft, workspace_id=WS, user_id=BRUNO, by=ANA
        ),
        "channel.created": _example(s.ChannelData, **_channel()),
        "channel.updated": _example(
            s.ChannelChanged, **_channel(topic="Todo sobre la plaza"), by=ANA
        ),
        "channel.archived": _example(s.ChannelChanged, **_channel(archived_at=AT), by=ANA),
        "channel.unarchived": _example(s.ChannelChanged, **_channel(), by=ANA),
        "channel.member_joined": _example(
            s.ChannelMemberJoined, channel=_channel(), user_id=BRUNO, by=ANA
        ),
        "channel.member_left": _example(s.ChannelMemberLeft, channel_id=CH, user_id=BRUNO, by=ANA),
        "channel.muted": _example(s.ChannelRef, channel_id=CH),
        "channel.unmuted": _example(s.ChannelRef, channel_id=CH),
        "channel.read": _example(s.ChannelRead, channel_id=CH, last_read_seq=1044),
        "message.created": _message(),
        "message.updated": _message(text="Hola @bruno :)", version=2, edited_at=AT),
        "message.deleted": _example(
            s.MessageDeleted, id=REPLY, channel_id=CH, thread_root_id=MSG, deleted_at=AT, by=BRUNO
        ),
        "message.pinned": _message(pinned_at=AT, pinned_by=ANA),
        "message.unpinned": _message(),
        "file.created": _file(),
        "file.ready": _file(
            status="ready",
            width=1600,
            height=1200,
            placeholder="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
            thumbnails=[{"size": 64, "width": 64, "height": 48}],
            message_id=MSG,
            channel_id=CH,
        ),
        "file.failed": _file(status="failed", problem="image.corrupt"),
        "file.deleted": _example(
            s.FileDeleted, id="01JD5ZF0F1LE00000000000000", message_id=MSG, channel_id=CH
        ),
        "reaction.added": _example(
            s.Reaction, message_id=MSG, channel_id=CH, emoji="👍", user_id=BRUNO
        ),
        "reaction.removed": _example(
            s.Reaction, message_id=MSG, channel_id=CH, emoji="👍", user_id=BRUNO
        ),
        "thread.updated": _example(
            s.ThreadUpdated,
            root_id=MSG,
            channel_id=CH,
            reply_count=1,
            last_reply_at=AT,
            participants=[BRUNO],
        ),
        "thread.followed": _example(s.ThreadRef, root_id=MSG, channel_id=CH),
        "thread.unfollowed": _example(s.ThreadRef, root_id=MSG, channel_id=CH),
        "thread.read": _example(s.ThreadRead, channel_id=CH, root_id=MSG, last_read_seq=1046),
        "notification.created": _example(
            s.NotificationCreated, message_id=MSG, channel_id=CH, author_id=ANA, kind="mention"
        ),
        "notification.read": _example(s.NotificationRead, message_ids=[MSG]),
        "notification.removed": _example(s.NotificationRemoved, message_id=MSG, channel_id=CH),
        "user.updated": _user(),
        "session.revoked": _example(s.SessionRevoked, session_id=SESSION),
        "typing.started": _example(s.Typing, user_id=BRUNO, thread_root_id=None, expires_in=6.0),
        "typing.stopped": _example(s.Typing, user_id=BRUNO, thread_root_id=None, expires_in=0),
        "presence.changed": _example(s.PresenceChanged, user_id=BRUNO, status="online"),
    }


_EXAMPLES = _examples()
KINDS: tuple[Documented, ...] = tuple(
    Documented(kind, _EXAMPLES[kind.TYPE]) for kind in catalogue.CATALOGUE
)
BY_TYPE = {kind.type: kind for kind in KINDS}
