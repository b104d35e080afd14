"""Envelopes: committed (or ephemeral) events encoded once for every socket, and the scopes
that decide who hears them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from tertulia.domain.events import Event
from tertulia.domain.ids import UserId
from tertulia.usecases.ports.realtime import Envelope


def watchers(user: UserId) -> str:
    """The scope of the sockets that show someone's presence."""
    return f"presence:{user}"


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
