"""The team the messaging API tests work with, and helpers that post and read back as one
of them (a message, a channel's history, the inbox) or check a problem's field errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient

from tests.web.api import Account, channel, done, join, ok, signup, workspace


@dataclass
class Team:
    """Ana (owner) and Bob (member) in #dev; Carla in the workspace but not in #dev; Eve in a
    workspace of her own."""

    ana: Account
    bob: Account
    carla: Account
    eve: Account
    ws: dict[str, Any]
    dev: dict[str, Any]
    general: dict[str, Any]


@pytest.fixture
async def team(client: AsyncClient) -> Team:
    ana, bob = await signup(client, "ana"), await signup(client, "bob")
    carla, eve = await signup(client, "carla"), await signup(client, "eve")
    ws = await workspace(client, ana, "Equipo")
    await join(client, ws["id"], ana, bob)
    await join(client, ws["id"], ana, carla)
    await workspace(client, eve, "Otra Casa")
    dev = await channel(client, ws["id"], ana, "dev")
    ok(await client.post(f"/api/v1/channels/{dev['id']}/members", json={"user_id": bob.id},
                         headers=bob.headers), 201)  # fmt: skip
    listed = ok(await client.get(f"/api/v1/workspaces/{ws['id']}/channels", headers=ana.headers))
    general = next(c for c in listed["items"] if c["is_default"])
    return Team(ana, bob, carla, eve, ws, dev, general)


async def post(
    client: AsyncClient, who: Account, channel_id: str, text: str, status: int = 201, **fields: Any
) -> dict[str, Any]:
    """Post a message and return what the API answered."""
    body: dict[str, Any] = ok(
        await client.post(
            f"/api/v1/channels/{channel_id}/messages",
            json={"text": text, **fields},
            headers=who.headers,
        ),
        status,
    )
    return body


async def message(client: AsyncClient, who: Account, message_id: str) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await client.get(f"/api/v1/messages/{message_id}", headers=who.headers)
    )
    return body


async def history(
    client: AsyncClient, who: Account, channel_id: str, **params: Any
) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await client.get(
            f"/api/v1/channels/{channel_id}/messages", params=params, headers=who.headers
        )
    )
    return body


async def delete(client: AsyncClient, who: Account, message_id: str) -> None:
    """Delete a message, which answers 204 with no body."""
    done(await client.delete(f"/api/v1/messages/{message_id}", headers=who.headers))


def texts(page: dict[str, Any]) -> list[str]:
    return [m["text"] for m in page["items"]]


async def notifications_of(client: AsyncClient, who: Account, **params: Any) -> list[Any]:
    body = ok(await client.get("/api/v1/notifications", params=params, headers=who.headers))
    items: list[Any] = body["items"]
    return items


def field_error(body: dict[str, Any], field: str, code: str | None = None) -> None:
    """The problem names the field (with that code)."""
    errors = {e["field"]: e["code"] for e in body.get("errors") or []}
    assert field in errors, body
    if code is not None:
        assert errors[field] == code, body
