"""A real server for browsers to use, and teams made on it through the REST API as a client
makes them: people who registered, a workspace they all joined, channels they all belong to."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.server import TERTULIA, UNLIMITED_SETTINGS, ServerProcess, environment

PASSWORD = "violeta-azul-42!"
API = "/api/v1"
# what the browser tests' server runs with: no limit a quick test could meet, the cheapest
# Argon2id, and presence that goes offline soon
SETTINGS = {**UNLIMITED_SETTINGS, "TERTULIA_OFFLINE_AFTER_SECONDS": "1"}


def start_server(data_dir: Path, migrated: Path | None = None, **settings: str) -> ServerProcess:
    """`tertulia serve` on a fresh SQLite database in `data_dir` (a copy of the `migrated`
    one, or one that `tertulia migrate` makes) with `SETTINGS` and these on top, started and
    ready; its log is data_dir/server.log."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = environment(data_dir, **{**SETTINGS, **settings})
    if migrated is not None:
        shutil.copy(migrated, data_dir / "tertulia.db")
    else:
        done = subprocess.run(
            [*TERTULIA, "migrate"], env=env, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"tertulia migrate failed:\n{done.stdout}{done.stderr}")
    server = ServerProcess(env, data_dir / "server.log")
    server.start()
    return server


@dataclass(frozen=True)
class Person:
    """Someone with an account: what they log in with, and a session of theirs for the API."""

    name: str  # as the test calls them: "ana"
    id: str
    username: str  # unique on the server: "ana-1"
    display_name: str  # what the client shows: "Ana"
    email: str
    password: str
    token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Team:
    """A workspace whose people are all in its #general and in every other channel made."""

    workspace_id: str
    workspace_name: str
    general: str  # #general's id
    channels: dict[str, str]  # name -> id, #general included
    people: dict[str, Person] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Person:
        return self.people[name]


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON body, after checking the status (with the body in the failure message)."""
    assert response.status_code == status, (
        response.request.method,
        response.request.url,
        response.status_code,
        response.text,
    )
    return response.json() if response.content else None


_teams = itertools.count(1)


async def register(http: httpx.AsyncClient, name: str, username: str) -> Person:
    """A new account (its display name is `name` capitalised), logged in."""
    display = name.capitalize()
    email = f"{username}@example.com"
    ok(
        await http.post(
            f"{API}/auth/register",
            json={
                "username": username,
                "email": email,
                "password": PASSWORD,
                "display_name": display,
            },
        ),
        201,
    )
    body = ok(await http.post(f"{API}/auth/login", json={"login": username, "password": PASSWORD}))
    return Person(
        name,
        body["user"]["id"],
        username,
        display,
        email,
        PASSWORD,
        body["access_token"],
        body["refresh_token"],
    )


async def make_team(http: httpx.AsyncClient, *names: str, channels: tuple[str, ...] = ()) -> Team:
    """`names` register (usernames made unique on the server: "ana-3"); the first creates a
    workspace and the `channels` (public), and invites the others, who accept and so join
    #general and every one of those channels."""
    assert names, "a team has someone in it"
    n = next(_teams)
    people = await asyncio.gather(*(register(http, name, f"{name}-{n}") for name in names))
    owner = people[0]
    workspace = ok(
        await http.post(f"{API}/workspaces", json={"name": f"Equipo {n}"}, headers=owner.headers),
        201,
    )
    wid = workspace["id"]
    listed = ok(await http.get(f"{API}/workspaces/{wid}/channels", headers=owner.headers))
    general = next(c for c in listed["items"] if c["is_default"])
    made = {general["name"]: general["id"]}
    for name in channels:
        body = ok(
            await http.post(
                f"{API}/workspaces/{wid}/channels", json={"name": name}, headers=owner.headers
            ),
            201,
        )
        made[body["name"]] = body["id"]
    if len(people) > 1:
        invitation = ok(
            await http.post(
                f"{API}/workspaces/{wid}/invitations",
                json={"max_uses": len(people) - 1, "channel_ids": list(made.values())},
                headers=owner.headers,
            ),
            201,
        )
        for person in people[1:]:
            ok(
                await http.post(
                    f"{API}/invitations/{invitation['token']}/accept", headers=person.headers
                )
            )
    return Team(wid, workspace["name"], general["id"], made, {p.name: p for p in people})
