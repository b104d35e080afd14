"""A small team on a real server, made over HTTP as clients make it, and real ids of what it
holds for a fuzzer to address: a workspace, its channels, messages, files, uploads,
invitations and people. An operation that changes or ends what it addresses gets a thing
of its own, made for it (`World.fresh`), so that one case never spoils the next ones."""

from __future__ import annotations

import base64
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

PASSWORD = "violeta-azul-42!"
API = "/api/v1"
# a 1x1 PNG: an image whose thumbnails the server makes
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)


@dataclass
class Person:
    id: str
    username: str
    token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (
        response.request.url,
        response.status_code,
        response.text,
    )
    return response.json() if response.content else None


@dataclass
class World:
    """What a fuzzer may address, and how to make more of it."""

    http: httpx.Client
    ana: Person  # who the fuzzer is: the workspace's owner
    bob: Person  # a member
    leo: Person  # someone whose sessions may be ended
    ids: dict[str, list[str]] = field(default_factory=dict)  # path parameter -> real values
    _names: itertools.count[int] = field(default_factory=itertools.count)

    # people --------------------------------------------------------------------------------------

    def register(self, prefix: str = "p") -> Person:
        username = f"{prefix}{next(self._names)}"
        _ok(
            self.http.post(
                f"{API}/auth/register",
                json={
                    "username": username,
                    "email": f"{username}@example.com",
                    "password": PASSWORD,
                },
            ),
            201,
        )
        return self.login(username)

    def login(self, username: str) -> Person:
        body = _ok(
            self.http.post(f"{API}/auth/login", json={"login": username, "password": PASSWORD})
        )
        return Person(body["user"]["id"], username, body["access_token"], body["refresh_token"])

    def join(self, workspace_id: str, person: Person, role: str = "member") -> None:
        invitation = self.invitation(workspace_id, role=role)
        _ok(
            self.http.post(
                f"{API}/invitations/{invitation['token']}/accept", headers=person.headers
            )
        )

    # things --------------------------------------------------------------------------------------

    def invitation(self, workspace_id: str, role: str = "member", by: Person | None = None) -> Any:
        return _ok(
            self.http.post(
                f"{API}/workspaces/{workspace_id}/invitations",
                json={"role": role, "max_uses": 5},
                headers=(by or self.ana).headers,
            ),
            201,
        )

    def channel(self, workspace_id: str, kind: str = "public") -> str:
        body = _ok(
            self.http.post(
                f"{API}/workspaces/{workspace_id}/channels",
                json={"name": f"canal-{next(self._names)}", "kind": kind, "topic": "fuzz"},
                headers=self.ana.headers,
            ),
            201,
        )
        return str(body["id"])

    def message(self, channel_id: str, text: str = "Hola **equipo** :wave:", **extra: Any) -> str:
        body = _ok(
            self.http.post(
                f"{API}/channels/{channel_id}/messages",
                json={"text": text, **extra},
                headers=self.ana.headers,
            ),
            201,
        )
        return str(body["id"])

    def file(self, workspace_id: str, name: str = "informe.txt", data: bytes = b"informe\n") -> str:
        body = _ok(
            self.http.post(
                f"{API}/workspaces/{workspace_id}/files",
                files={"file": (name, data, "application/octet-stream")},
                headers=self.ana.headers,
            ),
            201,
        )
        return str(body["id"])

    def upload(self, workspace_id: str, length: int = 10, sent: bytes = b"12345") -> str:
        """A resumable upload, part of it sent."""
        created = self.http.post(
            f"{API}/workspaces/{workspace_id}/uploads",
            headers={
                **self.ana.headers,
                "Tus-Resumable": "1.0.0",
                "Upload-Length": str(length),
                "Upload-Metadata": "filename " + base64.b64encode(b"parte.txt").decode(),
            },
        )
        assert created.status_code == 201, created.text
        location = created.headers["location"]
        if sent:
            patched = self.http.patch(
                location,
                content=sent,
                headers={
                    **self.ana.headers,
                    "Tus-Resumable": "1.0.0",
                    "Upload-Offset": "0",
                    "Content-Type": "application/offset+octet-stream",
                },
            )
            assert patched.status_code == 204, patched.text
        return location.rsplit("/", 1)[1]

    # what the fuzzer addresses ------------------------------------------------------------------

    def fresh(self, method: str, path: str, name: str, chosen: dict[str, str]) -> str | None:
        """A real value of path parameter `name` that this operation may spoil (None: the
        stock ones will do); `chosen` holds the real values of the parameters before it."""
        ws = chosen.get("workspace_id") or self.ids["workspace_id"][0]
        channel = chosen.get("channel_id") or self.ids["channel_id"][0]
        makers: dict[tuple[str, str], Callable[[], str]] = {
            ("DELETE", "message_id"): lambda: self.message(channel),
            ("PATCH", "message_id"): lambda: self.message(channel),
            ("DELETE", "channel_id"): lambda: self.channel(ws),
            ("PATCH", "channel_id"): lambda: self.channel(ws),
            ("DELETE", "file_id"): lambda: self.file(ws),
            ("DELETE", "upload_id"): lambda: self.upload(ws),
            ("PATCH", "upload_id"): lambda: self.upload(ws),
            ("DELETE", "invitation_id"): lambda: str(self.invitation(ws)["id"]),
            ("POST", "token"): lambda: str(
                self.invitation(self.ids["other_workspace"][0], by=self.bob)["token"]
            ),
        }
        if (method, name) in makers:
            return makers[method, name]()
        if name == "user_id" and method in ("DELETE", "PATCH"):
            person = self.register("m")
            self.join(self.ids["workspace_id"][0], person)
            if "/channels/" in path:
                self.http.post(
                    f"{API}/channels/{channel}/members",
                    json={"user_id": person.id},
                    headers=self.ana.headers,
                )  # a channel that is not Ana's to add to leaves it a 404: as it should
            return person.id
        return None

    def fresh_unique(self, body: dict[str, Any], rng: random.Random) -> None:
        """Now and then, values no one has yet where a body's field must be unique."""
        for key in ("username", "email", "slug", "name"):
            if key in body and isinstance(body[key], str) and rng.random() < 0.5:
                n = next(self._names)
                body[key] = {
                    "username": f"u{n}",
                    "email": f"u{n}@example.com",
                    "slug": f"s{n}",
                    "name": f"nombre-{n}",
                }[key]

    def holds(self, value: object) -> bool:
        """Whether `value` is the id of one of the world's own things or people."""
        people = (self.ana.id, self.bob.id, self.leo.id)
        return value in people or any(value in values for values in self.ids.values())

    def real(self, name: str, rng: random.Random) -> str | None:
        values = self.ids.get(name)
        return rng.choice(values) if values else None

    def signed(self, path: str) -> dict[str, str] | None:
        """The query of a signed link to a file or thumbnail (None: it has none now)."""
        answer = self.http.get(path, headers=self.ana.headers)
        if answer.status_code != 302:
            return None
        query = httpx.URL(answer.headers["location"]).params
        return {"expires": query["expires"], "signature": query["signature"]}

    def fill_body(self, body: dict[str, Any], rng: random.Random, chance: float) -> None:
        """Put real ids in a request body's id fields (each with that chance): people,
        channels, messages, and files uploaded for it (a file is shared once only)."""
        ws = self.ids["workspace_id"][0]
        for key, value in body.items():
            if rng.random() >= chance:
                continue
            kind = BODY_IDS.get(key)
            if kind == "file_id" and isinstance(value, list):
                body[key] = [self.file(ws) for _ in value[:3]]
            elif kind is not None and isinstance(value, list):
                body[key] = [self.real(kind, rng) for _ in value]
            elif kind is not None and isinstance(value, str):
                body[key] = self.real(kind, rng)


# fields of request bodies that hold ids, and the path parameter whose real values they take
BODY_IDS = {
    "user_id": "user_id",
    "user_ids": "user_id",
    "channel_ids": "channel_id",
    "file_ids": "file_id",
    "thread_root_id": "message_id",
    "message_id": "message_id",
    "message_ids": "message_id",
}


def build_world(http: httpx.Client) -> World:
    """Ana owns a workspace where Bob is a member: two channels and a DM, a thread with a
    reaction and a pin, a shared file and an image, a resumable upload half sent, an
    invitation; Bob owns another workspace whose invitations Ana may accept."""
    world = World(http, ana=None, bob=None, leo=None)  # type: ignore[arg-type]
    world.ana = world.register("ana")
    world.bob = world.register("bob")
    world.leo = world.register("leo")
    ana, bob = world.ana, world.bob
    ws = _ok(http.post(f"{API}/workspaces", json={"name": "Equipo"}, headers=ana.headers), 201)
    other = _ok(http.post(f"{API}/workspaces", json={"name": "Otro"}, headers=bob.headers), 201)
    world.join(ws["id"], bob)
    channels = _ok(http.get(f"{API}/workspaces/{ws['id']}/channels", headers=ana.headers))
    general = channels["items"][0]["id"]
    diseno = world.channel(ws["id"])
    secreto = world.channel(ws["id"], kind="private")
    for channel in (diseno, general):
        _ok(
            http.post(
                f"{API}/channels/{channel}/members", json={"user_id": bob.id}, headers=ana.headers
            ),
            201 if channel == diseno else 200,
        )
    dm = _ok(
        http.post(
            f"{API}/workspaces/{ws['id']}/dms", json={"user_ids": [bob.id]}, headers=ana.headers
        ),
        201,
    )
    text_file = world.file(ws["id"])
    image = world.file(ws["id"], "foto.png", PNG)
    root = world.message(
        diseno, "Hola @bob, ¿revisamos el diseño? :+1:", file_ids=[text_file, image]
    )
    reply = world.message(diseno, "Sí, mañana", thread_root_id=root)
    _ok(http.put(f"{API}/messages/{root}/reactions/%F0%9F%91%8D", headers=ana.headers))
    _ok(http.put(f"{API}/messages/{root}/pin", headers=ana.headers))
    invitation = world.invitation(ws["id"])
    world.ids = {
        "workspace_id": [ws["id"]],
        "other_workspace": [other["id"]],
        "channel_id": [diseno, general, secreto, dm["id"]],
        "message_id": [root, reply],
        "file_id": [text_file, image],
        "upload_id": [world.upload(ws["id"])],
        "invitation_id": [invitation["id"]],
        "token": [invitation["token"]],
        "user_id": [bob.id, ana.id],
        "emoji": ["👍", ":+1:", ":tada:"],
        "size": ["64", "360", "1280"],
    }
    return world
