"""Envelopes: committed (or ephemeral) events encoded once for every socket, and the scopes
that decide who hears them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from tertulia.domain.events import Event
from tertulia.domain.ids import UserId
from tertulia.usecases.ports.realtime import Envelope

TYPING = frozenset({"typing.started", "typing.stopped"})
# scope changes after which someone may see fewer people
LEAVING = frozenset({"workspace.member_left", "workspace.member_updated", "channel.member_left"})


def watchers(user: UserId) -> str:
    """The scope of the sockets that show someone's presence."""
    return f"presence:{user}"


# events after which someone's scopes (the workspaces and channels they may hear) change
SCOPE_CHANGES = frozenset(
    {
        "workspace.created",
        "workspace.member_joined",
        "workspace.member_updated",
        "workspace.member_left",
        "channel.created",
        "channel.member_joined",
        "channel.member_left",
    }
)


def envelope(event: Event) -> Envelope:
    """The envelope of a committed (or ephemeral) event."""
    return Envelope(
        event.id,
        event.type,
        event.audience,
        frame(event.id, event.type, event.at, event.workspace_id, event.channel_id, event.data),
    )


def frame(
    event_id: int,
    type_: str,
    at: datetime | None,
    workspace_id: str | None,
    channel_id: str | None,
    data: Any,
) -> str:
    """The JSON a client receives: one envelope shape for every event (`data` may be an
    orjson.Fragment: JSON already encoded, as the log stores it)."""
    body: dict[str, Any] = {"type": type_}
    if event_id:
        body["id"] = event_id
    body["at"] = at
    body["workspace_id"] = workspace_id
    body["channel_id"] = channel_id
    body["data"] = data
    return orjson.dumps(body).decode()


def sees(viewer: set[str], seen: set[str], viewer_id: UserId, seen_id: UserId) -> bool:
    """Whether someone with the `viewer` scopes may see someone with the `seen` scopes: a
    full member sees everyone of the workspace, anyone sees the people of their channels."""
    if viewer_id == seen_id:
        return True
    for scope in viewer:
        if scope.startswith("ws-full:"):
            if "ws:" + scope[8:] in seen:
                return True
        elif scope.startswith("ch:") and scope in seen:
            return True
    return False


def concerned(envelope: Envelope) -> set[UserId]:
    """Whose scopes an event of SCOPE_CHANGES changes (read from its data: rare events)."""
    payload = orjson.loads(envelope.frame)
    data = payload.get("data") or {}
    people: set[UserId] = set()
    for key in ("user_id", "created_by"):
        if isinstance(data.get(key), str):
            people.add(UserId(data[key]))
    for user in data.get("user_ids") or ():
        people.add(UserId(user))
    workspace = data.get("workspace")
    if isinstance(workspace, dict) and isinstance(workspace.get("created_by"), str):
        people.add(UserId(workspace["created_by"]))
    return people
