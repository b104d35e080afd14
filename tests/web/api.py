"""Helpers that speak the HTTP API the way a client would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from httpx import AsyncClient, Response

PASSWORD = "violeta-azul-42!"


@dataclass
class Account:
    id: str
    username: str
    token: str
    refresh: str
    session: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def ok(response: Response, status: int = 200) -> Any:
    """The JSON body, after checking the status (with the body in the failure message)."""
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


def done(response: Response) -> None:
    """A 204 No Content (with the body in the failure message)."""
    assert response.status_code == 204, (response.status_code, response.text)


def problem(response: Response, status: int, code: str | None = None) -> dict[str, Any]:
    """Check that the response is a problem+json with that status (and code)."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body


async def signup(client: AsyncClient, username: str, password: str = PASSWORD) -> Account:
    ok(
        await client.post(
            "/api/v1/auth/register",
            json={"username": username, "email": f"{username}@example.com", "password": password},
        ),
        201,
    )
    return await login(client, username, password)


async def login(client: AsyncClient, username: str, password: str = PASSWORD) -> Account:
    body = ok(
        await client.post("/api/v1/auth/login", json={"login": username, "password": password})
    )
    return Account(
        body["user"]["id"],
        username,
        body["access_token"],
        body["refresh_token"],
        body["session_id"],
    )


async def workspace(client: AsyncClient, owner: Account, name: str = "Equipo") -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await client.post("/api/v1/workspaces", json={"name": name}, headers=owner.headers), 201
    )
    return body


async def join(
    client: AsyncClient,
    workspace_id: str,
    inviter: Account,
    invitee: Account,
    role: str = "member",
    channel_ids: tuple[str, ...] = (),
) -> None:
    """Invite someone with a role and let them accept."""
    invitation = ok(
        await client.post(
            f"/api/v1/workspaces/{workspace_id}/invitations",
            json={"role": role, "channel_ids": list(channel_ids)},
            headers=inviter.headers,
        ),
        201,
    )
    ok(
        await client.post(
            f"/api/v1/invitations/{invitation['token']}/accept", headers=invitee.headers
        )
    )


async def channel(
    client: AsyncClient, workspace_id: str, creator: Account, name: str, kind: str = "public"
) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await client.post(
            f"/api/v1/workspaces/{workspace_id}/channels",
            json={"name": name, "kind": kind},
            headers=creator.headers,
        ),
        201,
    )
    return body
