"""The authorisation matrix: every endpoint that takes an id (or acts on the caller), tried by
people who should be turned away, over HTTP, on both databases."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
from httpx import AsyncClient, Response
from PIL import Image

from tertulia.bootstrap import create_app
from tertulia.domain.ids import new_id
from tests.conftest import JWT_SECRET, settings_for
from tests.web.api import Account, login, ok, signup

# The matrix ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One row: a request, and what Eve (another workspace), Bob (a member of W, not of the
    private channel) and Gus (a guest of W, in one public channel) must get back.

    `at` maps the route's path parameters to names in the world: `ws`, `private`, `archived`,
    `public`, `general`, `dm`, `invitation` (a link's token), `invitation_id` (its id), `ana`,
    `bob`, `me` (the caller) and `other` (Bob, or Gus when Bob calls); Ana's messages
    `private_msg` (in P, mentioning Bob, who is not told), `dm_msg` (in the DM), `general_msg`
    (in #general, with a reply by Bob) and `public_msg` (in the public channel, pinned, with
    Gus's reaction); and `emoji` (👍, sent percent-encoded). Bodies and query strings may use
    the same names as "{name}". A status is the refusal expected; None means that caller may do
    it (reads are then checked for leaks, writes are left alone so the world stays as built).
    `code`, if given, is the code every 403 of the row must carry.
    """

    method: str
    route: str
    at: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None
    query: Mapping[str, Any] | None = None
    eve: int | None = None
    bob: int | None = None
    gus: int | None = None
    code: str | None = None

    @property
    def label(self) -> str:
        path = self.route
        for param, name in self.at.items():
            path = path.replace("{" + param + "}", "{" + name + "}")
        if self.query:
            path += "?" + "&".join(f"{k}={v}" for k, vs in self.query.items() for v in _listed(vs))
        body = f" {json.dumps(self.body, ensure_ascii=False)}" if self.body is not None else ""
        return f"{self.method} {path}{body}"


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


E = Endpoint
W = "/api/v1/workspaces/{workspace_id}"
W_MEMBERS = W + "/members"
W_MEMBER = W + "/members/{user_id}"
W_INVITATIONS = W + "/invitations"
W_CHANNELS = W + "/channels"
W_DMS = W + "/dms"
CH = "/api/v1/channels/{channel_id}"
CH_MEMBERS = CH + "/members"
CH_MEMBER = CH + "/members/{user_id}"
IN_W = {"workspace_id": "ws"}
P = {"channel_id": "private"}
DM = {"channel_id": "dm"}
GENERAL = {"channel_id": "general"}
PUBLIC = {"channel_id": "public"}
ARCHIVED = {"channel_id": "archived"}
W_OTHER = {"workspace_id": "ws", "user_id": "other"}
GUEST_IN_P = {"role": "guest", "channel_ids": ["{private}"]}
CH_MESSAGES = CH + "/messages"
CH_PINS = CH + "/pins"
CH_READ = CH + "/read"
M = "/api/v1/messages/{message_id}"
M_EDITS = M + "/edits"
M_REPLIES = M + "/replies"
M_FOLLOW = M + "/follow"
M_REACTION = M + "/reactions/{emoji}"
M_PIN = M + "/pin"
W_THREADS = W + "/threads"
W_UNREADS = W + "/unreads"
W_PRESENCE = W + "/presence"
W_SEARCH = W + "/search"
W_AUTOCOMPLETE = W + "/autocomplete"
W_SEARCH_FILES = W + "/search/files"
NOTIFICATIONS = "/api/v1/notifications"
W_FILES = W + "/files"
F = "/api/v1/files/{file_id}"
W_UPLOADS = W + "/uploads"
U = "/api/v1/uploads/{upload_id}"
CH_FILES = CH + "/files"
NOT_MEMBER = "channel.not_member"
NOT_AUTHOR = "message.not_author"


def conversation(channel: str, message: str, **levels: str) -> tuple[Endpoint, ...]:
    """Every message endpoint on one conversation and on one of Ana's messages in it. What
    Eve, Bob and Gus get depends on their level there: "hidden" (404 for everything),
    "reader" (a full member outside a public channel: may read it, 403 channel.not_member to
    take part) or "member" (the default: may take part, 403 message.not_author to edit or
    delete Ana's message)."""

    def expect(kind: str) -> dict[str, int | None]:
        out: dict[str, int | None] = {}
        for who in ("eve", "bob", "gus"):
            level = levels.get(who, "member")
            if level == "hidden":
                out[who] = 404
            elif kind == "read" or (kind == "take part" and level == "member"):
                out[who] = None
            else:
                out[who] = 403
        return out

    ch, msg = {"channel_id": channel}, {"message_id": message}
    read, part, author = expect("read"), expect("take part"), expect("author")
    return (
        E("GET", CH_MESSAGES, ch, **read),
        E("GET", CH_MESSAGES, ch, query={"around": "{" + message + "}"}, **read),
        E("POST", CH_MESSAGES, ch, {"text": "intruso"}, **part, code=NOT_MEMBER),
        E(
            "POST",
            CH_MESSAGES,
            ch,
            {"text": "intruso", "thread_root_id": "{" + message + "}"},
            **part,
            code=NOT_MEMBER,
        ),
        E("GET", CH_PINS, ch, **read),
        E("POST", CH_READ, ch, **part, code=NOT_MEMBER),
        E("POST", CH_READ, ch, {"message_id": "{" + message + "}"}, **part, code=NOT_MEMBER),
        E("PATCH", CH_MEMBER, {**ch, "user_id": "me"}, {"muted": True}, **part, code=NOT_MEMBER),
        E("GET", M, msg, **read),
        E("PATCH", M, msg, {"text": "pisado", "version": 1}, **author, code=NOT_AUTHOR),
        E("GET", M_EDITS, msg, **read),
        E("GET", M_REPLIES, msg, **read),
        E("PUT", M_FOLLOW, msg, **part, code=NOT_MEMBER),
        E("DELETE", M_FOLLOW, msg, **part, code=NOT_MEMBER),
        E("PUT", M_REACTION, {**msg, "emoji": "emoji"}, **part, code=NOT_MEMBER),
        E("DELETE", M_REACTION, {**msg, "emoji": "emoji"}, **part, code=NOT_MEMBER),
        E("PUT", M_PIN, msg, **part, code=NOT_MEMBER),
        E("DELETE", M_PIN, msg, **part, code=NOT_MEMBER),
        # last: the positive controls run the rows in order, and a tombstone takes no reactions
        E("DELETE", M, msg, **author, code=NOT_AUTHOR),
    )


# Messages, threads, reactions, pins and read state, per conversation: Ana's private channel
# P, her DM with Bob, #general (no guests) and the public channel Gus was given (Bob is not in
# it, but as a full member may read it).
CONVERSATIONS: tuple[Endpoint, ...] = (
    *conversation("private", "private_msg", eve="hidden", bob="hidden", gus="hidden"),
    *conversation("dm", "dm_msg", eve="hidden", gus="hidden"),
    *conversation("general", "general_msg", eve="hidden", gus="hidden"),
    *conversation("public", "public_msg", eve="hidden", bob="reader"),
)

# Requests that point from a conversation one may use at a message of one one may not: they
# must fail as if that message did not exist (for Ana too: it is in another channel).
CROSSINGS: tuple[Endpoint, ...] = (
    E(
        "POST",
        CH_MESSAGES,
        GENERAL,
        {"text": "intruso", "thread_root_id": "{private_msg}"},
        eve=404,
        bob=404,
        gus=404,
    ),
    E("POST", CH_READ, GENERAL, {"message_id": "{private_msg}"}, eve=404, bob=404, gus=404),
    E("POST", CH_READ, GENERAL, {"thread_root_id": "{private_msg}"}, eve=404, bob=404, gus=404),
    E("POST", CH_READ, PUBLIC, {"message_id": "{dm_msg}"}, eve=404, bob=403, gus=404),
    # only one's own membership: someone else's is refused whoever asks, and an outsider
    # still learns nothing of the channel
    E(
        "PATCH",
        CH_MEMBER,
        {**PUBLIC, "user_id": "ana"},
        {"muted": True},
        eve=404,
        bob=403,
        gus=403,
        code="channel.not_yours",
    ),
)

# Every endpoint that takes an id or acts on the caller. Later issues: when you add such an
# endpoint, add its rows here (test_every_authenticated_endpoint_is_in_the_matrix fails until
# you do), with what an outsider, a member outside the private channel and a guest must get.
ENDPOINTS: tuple[Endpoint, ...] = (
    # the caller's own account and workspaces
    E("POST", "/api/v1/auth/logout"),
    E("GET", "/api/v1/users/me"),
    E("PATCH", "/api/v1/users/me", body={"display_name": "Intruso"}),
    E("GET", "/api/v1/users/{user_id}", {"user_id": "bob"}, eve=404, gus=404),
    E("GET", "/api/v1/workspaces"),
    E("POST", "/api/v1/workspaces", body={"name": "Intrusos"}),
    # the first screen: one's own first workspace, or W by name (everyone but Eve), with no
    # trace of what each may not see (P and A for Bob; for Gus, all but his one channel)
    E("GET", "/api/v1/boot"),
    E("GET", "/api/v1/boot", query={"workspace_id": "{ws}"}, eve=404),
    # the workspace W
    E("GET", W, IN_W, eve=404),
    E("PATCH", W, IN_W, {"name": "Tomada"}, eve=404, bob=403, gus=403),
    E("GET", W_MEMBERS, IN_W, eve=404, gus=403),
    # guests see the presence of the people of their channels only (see test_presence)
    E("GET", W_PRESENCE, IN_W, eve=404),
    E("POST", W_INVITATIONS, IN_W, {"role": "member"}, eve=404, gus=403),
    # naming a channel you cannot see is the same field error as naming one that does not exist
    E("POST", W_INVITATIONS, IN_W, GUEST_IN_P, eve=404, bob=422, gus=403),
    # holding the link is what lets you in, so only a missing or bad token is refused here
    E("POST", "/api/v1/invitations/{token}/accept", {"token": "invitation"}),
    # guests see no links; members only their own (Ana's is not listed, nor revocable by them)
    E("GET", W_INVITATIONS, IN_W, eve=404, gus=403),
    E(
        "DELETE",
        W_INVITATIONS + "/{invitation_id}",
        {"workspace_id": "ws", "invitation_id": "invitation_id"},
        eve=404,
        bob=404,
        gus=404,
    ),
    E("PATCH", W_MEMBER, W_OTHER, {"role": "admin"}, eve=404, bob=403, gus=403),
    E("DELETE", W_MEMBER, W_OTHER, eve=404, bob=403, gus=403),
    E("POST", W_CHANNELS, IN_W, {"name": "intrusos", "kind": "public"}, eve=404, gus=403),
    E("GET", W_CHANNELS, IN_W, eve=404),
    E("GET", W_CHANNELS, IN_W, query={"kind": ["dm", "group_dm"]}, eve=404),
    E("POST", W_DMS, IN_W, {"user_ids": ["{other}"]}, eve=404, gus=404),
    # the private channel P (Ana's)
    E("GET", CH, P, eve=404, bob=404, gus=404),
    E("PATCH", CH, P, {"topic": "pisado"}, eve=404, bob=404, gus=404),
    E("PATCH", CH, P, {"name": "renombrada"}, eve=404, bob=404, gus=404),
    E("DELETE", CH, P, eve=404, bob=404, gus=404),
    E("GET", CH_MEMBERS, P, eve=404, bob=404, gus=404),
    E("POST", CH_MEMBERS, P, {"user_id": "{me}"}, eve=404, bob=404, gus=404),
    E("POST", CH_MEMBERS, P, {"user_id": "{other}"}, eve=404, bob=404, gus=404),
    E("DELETE", CH_MEMBER, {**P, "user_id": "ana"}, eve=404, bob=404, gus=404),
    E("DELETE", CH_MEMBER, {**P, "user_id": "me"}, eve=404, bob=404, gus=404),
    # an archived private channel (Ana's): archived or not, it must not show it exists
    E("GET", CH, ARCHIVED, eve=404, bob=404, gus=404),
    E("PATCH", CH, ARCHIVED, {"archived": False}, eve=404, bob=404, gus=404),
    E("GET", CH_MEMBERS, ARCHIVED, eve=404, bob=404, gus=404),
    E("POST", CH_MEMBERS, ARCHIVED, {"user_id": "{me}"}, eve=404, bob=404, gus=404),
    # the direct message between Ana and Bob
    E("GET", CH, DM, eve=404, gus=404),
    E("PATCH", CH, DM, {"topic": "pisado"}, eve=404, gus=404),
    E("DELETE", CH, DM, eve=404, gus=404),
    E("GET", CH_MEMBERS, DM, eve=404, gus=404),
    E("POST", CH_MEMBERS, DM, {"user_id": "{me}"}, eve=404, gus=404),
    E("POST", CH_MEMBERS, DM, {"user_id": "{other}"}, eve=404, gus=404),
    E("DELETE", CH_MEMBER, {**DM, "user_id": "ana"}, eve=404, gus=404),
    # #general, which guests do not join
    E("GET", CH, GENERAL, eve=404, gus=404),
    E("GET", CH_MEMBERS, GENERAL, eve=404, gus=404),
    E("POST", CH_MEMBERS, GENERAL, {"user_id": "{me}"}, eve=404, gus=404),
    E("PATCH", CH, GENERAL, {"topic": "pisado"}, eve=404, gus=404),
    # Ana's public channel, the one Gus was given
    E("GET", CH, PUBLIC, eve=404),
    E("GET", CH_MEMBERS, PUBLIC, eve=404),
    E("PATCH", CH, PUBLIC, {"topic": "pisado"}, eve=404, bob=403),
    E("PATCH", CH, PUBLIC, {"name": "renombrada"}, eve=404, bob=403, gus=403),
    E("DELETE", CH, PUBLIC, eve=404, bob=403, gus=403),
    E("DELETE", CH_MEMBER, {**PUBLIC, "user_id": "ana"}, eve=404, bob=403, gus=403),
    # messages: per conversation, then the workspace's threads and unreads, and one's inbox
    *CONVERSATIONS,
    *CROSSINGS,
    E("GET", W_THREADS, IN_W, eve=404),
    E("GET", W_UNREADS, IN_W, eve=404),
    # search: words of every hidden message, and operators alone, find only what one may read
    *(
        E("GET", W_SEARCH, IN_W, query={"q": q}, eve=404)
        for q in (
            "oculta",
            "sala",
            "confidencia",
            "anuncio",
            "respuesta",
            "novedades",
            "from:@{ana_username}",
            "from:@{bob_username}",
            "mentions:@{bob_username}",
            "is:thread",
            "is:pinned",
            "has:reaction",
            "plan* -zzz",
            "after:2000-01-01",
        )
    ),
    # the quick switcher: P's and A's names never come up for those outside them
    *(
        E("GET", W_AUTOCOMPLETE, IN_W, query={"q": q}, eve=404)
        for q in ("sala", "oculta", "archivo", "muerto", "a", "o", "s", "m")
    ),
    # file search: P's files, and Ana's files she has not shared, reach nobody else
    *(
        E("GET", W_SEARCH_FILES, IN_W, query={"q": q}, eve=404)
        for q in (
            "",
            "informe",
            "foto",
            "borrador",
            "subida",
            "acta",
            "pdf",
            "sala oculta",
            "from:@{ana_username}",
            "after:2000-01-01",
        )
    ),
    *(E("GET", W_SEARCH_FILES, IN_W, query={"kind": kind}, eve=404) for kind in ("image", "pdf")),
    # files: those shared in P are P's; Ana's unshared file is hers alone; #general's file is
    # for its members, and only its uploader (or an admin) deletes it
    E("POST", W_FILES, IN_W, eve=404),
    *(
        E(method, route, {"file_id": "private_file"}, eve=404, bob=404, gus=404)
        for method, route in (("GET", F), ("GET", F + "/content"), ("DELETE", F))
    ),
    E(
        "GET",
        F + "/thumbnails/{size}",
        {"file_id": "private_image", "size": "size"},
        eve=404,
        bob=404,
        gus=404,
    ),
    E("GET", F, {"file_id": "own_file"}, eve=404, bob=404, gus=404),
    E("GET", F + "/content", {"file_id": "own_file"}, eve=404, bob=404, gus=404),
    E("GET", F, {"file_id": "general_file"}, eve=404, gus=404),
    E("GET", F + "/content", {"file_id": "general_file"}, eve=404, gus=404),
    E(
        "DELETE",
        F,
        {"file_id": "general_file"},
        eve=404,
        bob=403,
        gus=404,
        code="file.not_uploader",
    ),
    # resumable uploads: creating one is for members; an upload is its creator's alone (HEAD
    # answers carry no body: only their status is judged)
    E("POST", W_UPLOADS, IN_W, eve=404),
    E("OPTIONS", "/api/v1/uploads"),
    *(
        E(method, U, {"upload_id": "upload"}, eve=404, bob=404, gus=404)
        for method in ("GET", "HEAD", "PATCH", "DELETE")
    ),
    E("GET", CH_FILES, P, eve=404, bob=404, gus=404),
    E("GET", CH_FILES, GENERAL, eve=404, gus=404),
    E("GET", CH_FILES, PUBLIC, eve=404),
    E("GET", NOTIFICATIONS),
    E("GET", NOTIFICATIONS, query={"unread": "true"}),
    E("POST", NOTIFICATIONS + "/read"),
    E("POST", NOTIFICATIONS + "/read", body={"message_ids": ["{private_msg}"]}),
)

# Routes that take no access token: they are how you get one.
PUBLIC_ROUTES = {
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("GET", "/api/v1/invitations/{token}"),  # the link's secret is what shows it
}

# The world -----------------------------------------------------------------------------------


@dataclass
class World:
    ana: Account
    bob: Account
    gus: Account
    eve: Account
    ids: dict[str, str]
    """Names for the path and body placeholders."""
    secrets: dict[str, str]
    """What identifies W and what is in it: no refusal may mention any of it."""

    def names_for(self, caller: Account | None) -> dict[str, str]:
        """The placeholders as this caller fills them (anonymous and forged callers act as
        Ana, whose rights are the widest)."""
        me = caller or self.ana
        other = self.gus if me.id == self.bob.id else self.bob
        return {**self.ids, "me": me.id, "other": other.id, "emoji": "👍", "size": "360"}

    def protected_from(self, caller: Account | None) -> dict[str, str]:
        """Every secret, except the caller's own name and id."""
        own = {caller.id, caller.username} if caller else set()
        return {k: v for k, v in self.secrets.items() if v not in own}


@pytest.fixture
async def world(client: AsyncClient) -> World:
    """W, owned by Ana: a public channel, a private one P and an archived private one A (Ana
    alone in each), #general, a DM between Ana and Bob and an unused invitation; Bob a member,
    Gus a guest of the public channel only; Eve in a workspace of her own. Ana has written in
    P (mentioning Bob, who is not in it, and replying to herself), in the DM, in #general
    (mentioning Bob, who replied) and in the public channel (pinned, with Gus's 👍)."""
    ana = await signup(client, "anavidal")
    bob = await signup(client, "bobferrer")
    gus = await signup(client, "gusmoreno")
    eve = await signup(client, "evaruiz")
    ws = ok(
        await client.post(
            "/api/v1/workspaces",
            json={"name": "Casa Secreta", "description": "Donde se cuece todo"},
            headers=ana.headers,
        ),
        201,
    )
    public = await _channel(client, ws["id"], ana, "proyecto-abierto", "public")
    private = await _channel(client, ws["id"], ana, "sala-oculta", "private")
    archived = await _channel(client, ws["id"], ana, "archivo-muerto", "private")
    ok(await client.delete(f"/api/v1/channels/{archived['id']}", headers=ana.headers))
    await _join(client, ws["id"], ana, bob, "member", [])
    await _join(client, ws["id"], ana, gus, "guest", [public["id"]])
    dm = ok(
        await client.post(
            f"/api/v1/workspaces/{ws['id']}/dms", json={"user_ids": [bob.id]}, headers=ana.headers
        ),
        201,
    )
    invitation = ok(
        await client.post(
            f"/api/v1/workspaces/{ws['id']}/invitations",
            json={"role": "member", "max_uses": 1},
            headers=ana.headers,
        ),
        201,
    )
    listed = ok(await client.get(f"/api/v1/workspaces/{ws['id']}/channels", headers=ana.headers))
    general = next(c for c in listed["items"] if c["is_default"])
    ok(
        await client.post("/api/v1/workspaces", json={"name": "Otra Casa"}, headers=eve.headers),
        201,
    )
    private_msg = await _say(client, ana, private["id"], "plan-de-la-sala-oculta @bobferrer")
    await _say(client, ana, private["id"], "respuesta-de-la-sala-oculta", private_msg["id"])
    dm_msg = await _say(client, ana, dm["id"], "confidencia-directa-para-bob")
    general_msg = await _say(client, ana, general["id"], "anuncio-interno-general @bobferrer")
    await _say(client, bob, general["id"], "respuesta-de-bob-en-general", general_msg["id"])
    public_msg = await _say(client, ana, public["id"], "novedades-del-proyecto-abierto")
    ok(await client.put(f"/api/v1/messages/{public_msg['id']}/pin", headers=ana.headers))
    private_file = await _upload(client, ana, ws["id"], "informe-de-la-sala-oculta.pdf", PDF)
    private_image = await _upload(client, ana, ws["id"], "foto-de-la-sala-oculta.png", _png())
    own_file = await _upload(client, ana, ws["id"], "borrador-sin-compartir.pdf", PDF + b"1")
    general_file = await _upload(client, ana, ws["id"], "acta-general.pdf", PDF + b"2")
    ok(
        await client.post(
            f"/api/v1/channels/{private['id']}/messages",
            json={"text": "", "file_ids": [private_file["id"], private_image["id"]]},
            headers=ana.headers,
        ),
        201,
    )
    ok(
        await client.post(
            f"/api/v1/channels/{general['id']}/messages",
            json={"text": "acta", "file_ids": [general_file["id"]]},
            headers=ana.headers,
        ),
        201,
    )
    await _ready(client, ana, private_image["id"])
    started = await client.post(
        f"/api/v1/workspaces/{ws['id']}/uploads",
        headers={
            **ana.headers,
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "1000",
            "Upload-Metadata": "filename " + base64.b64encode(b"subida-a-medias.pdf").decode(),
        },
    )
    assert started.status_code == 201, started.text
    ok(
        await client.put(
            f"/api/v1/messages/{public_msg['id']}/reactions/%F0%9F%91%8D", headers=gus.headers
        )
    )
    ids = {
        "ws": ws["id"],
        "private": private["id"],
        "archived": archived["id"],
        "public": public["id"],
        "general": general["id"],
        "dm": dm["id"],
        "invitation": invitation["token"],
        "invitation_id": invitation["id"],
        "ana": ana.id,
        "bob": bob.id,
        "gus": gus.id,
        "ana_username": ana.username,
        "bob_username": bob.username,
        "private_msg": private_msg["id"],
        "dm_msg": dm_msg["id"],
        "general_msg": general_msg["id"],
        "public_msg": public_msg["id"],
        "private_file": private_file["id"],
        "private_image": private_image["id"],
        "own_file": own_file["id"],
        "general_file": general_file["id"],
        "upload": started.headers["location"].rsplit("/", 1)[-1],
    }
    secrets = {
        **{f"{k} id": v for k, v in ids.items() if k != "invitation"},
        "invitation token": invitation["token"],
        "W's name": ws["name"],
        "W's slug": ws["slug"],
        "W's description": ws["description"],
        "P's name": private["name"],
        "P's topic": private["topic"],
        "P's purpose": private["purpose"],
        "A's name": archived["name"],
        "the public channel's name": public["name"],
        "Ana's username": ana.username,
        "Bob's username": bob.username,
        "P's message": "plan-de-la-sala-oculta",
        "P's reply": "respuesta-de-la-sala-oculta",
        "dm message": "confidencia-directa-para-bob",
        "general message": "anuncio-interno-general",
        "general reply": "respuesta-de-bob-en-general",
        "the public channel's message": "novedades-del-proyecto-abierto",
        "P's file": "informe-de-la-sala-oculta",
        "P's image": "foto-de-la-sala-oculta",
        "Ana's own file": "borrador-sin-compartir",
        "general file": "acta-general",
        "Ana's upload": "subida-a-medias",
    }
    return World(ana, bob, gus, eve, ids, secrets)


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _png() -> bytes:
    out = io.BytesIO()
    Image.linear_gradient("L").resize((400, 300)).save(out, "PNG")
    return out.getvalue()


async def _upload(
    client: AsyncClient, who: Account, ws: str, name: str, data: bytes
) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await client.post(
            f"/api/v1/workspaces/{ws}/files", files={"file": (name, data)}, headers=who.headers
        ),
        201,
    )
    return body


async def _ready(client: AsyncClient, who: Account, file_id: str) -> None:
    """Wait for the server's file worker to finish an image."""
    for _ in range(200):
        file = ok(await client.get(f"/api/v1/files/{file_id}", headers=who.headers))
        if file["status"] != "processing":
            assert file["status"] == "ready", file
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"file {file_id} still processing")


async def _channel(
    client: AsyncClient, ws: str, creator: Account, name: str, kind: str
) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await client.post(
            f"/api/v1/workspaces/{ws}/channels",
            json={
                "name": name,
                "kind": kind,
                "topic": f"tema-{name}-confidencial",
                "purpose": f"proposito-{name}-reservado",
            },
            headers=creator.headers,
        ),
        201,
    )
    return body


async def _say(
    client: AsyncClient, author: Account, channel: str, text: str, root: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await client.post(
            f"/api/v1/channels/{channel}/messages",
            json={"text": text, "thread_root_id": root},
            headers=author.headers,
        ),
        201,
    )
    return body


async def _join(
    client: AsyncClient, ws: str, inviter: Account, invitee: Account, role: str, channels: list[str]
) -> None:
    invitation = ok(
        await client.post(
            f"/api/v1/workspaces/{ws}/invitations",
            json={"role": role, "channel_ids": channels},
            headers=inviter.headers,
        ),
        201,
    )
    ok(
        await client.post(
            f"/api/v1/invitations/{invitation['token']}/accept", headers=invitee.headers
        )
    )


# Sending and judging ---------------------------------------------------------------------------


def _fill(value: Any, names: Mapping[str, str]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return names[value[1:-1]]
    if isinstance(value, str):  # a name inside a search query: "from:@{ana_username}"
        return re.sub(r"\{(\w+)\}", lambda m: names.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    return value


async def send(
    client: AsyncClient, endpoint: Endpoint, names: Mapping[str, str], headers: dict[str, str]
) -> Response:
    path = endpoint.route
    for param, name in endpoint.at.items():
        path = path.replace("{" + param + "}", names[name])
    return await client.request(
        endpoint.method,
        path,
        params=_fill(dict(endpoint.query), names) if endpoint.query else None,
        json=_fill(endpoint.body, names) if endpoint.body is not None else None,
        headers=headers,
    )


def leaks(response: Response, secrets: Mapping[str, str]) -> list[str]:
    """The secrets in the response that the request did not itself carry."""
    sent = str(response.request.url) + response.request.content.decode()
    return [name for name, value in secrets.items() if value not in sent and value in response.text]


def refused(
    response: Response,
    status: int,
    where: str,
    secrets: Mapping[str, str],
    code: str | None = None,
) -> list[str]:
    """What is wrong with this refusal: status, problem+json shape, code, and leaks."""
    head = f"{where}: "
    if response.status_code != status:
        return [f"{head}expected {status}, got {response.status_code}: {response.text[:300]}"]
    failures = []
    if response.request.method == "HEAD":  # no body to judge
        if status == 401 and not response.headers.get("www-authenticate", "").startswith("Bearer"):
            failures.append(f"{head}401 without 'WWW-Authenticate: Bearer'")
        return failures
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        failures.append(f"{head}not problem+json: {response.headers.get('content-type')}")
    try:
        body = response.json()
    except ValueError:
        return [*failures, f"{head}body is not JSON: {response.text[:300]}"]
    for key in ("type", "title", "code", "detail"):
        if not isinstance(body.get(key), str):
            failures.append(f"{head}problem has no string {key!r}: {body}")
    if body.get("status") != status:
        failures.append(f"{head}problem status is {body.get('status')!r}: {body}")
    if code is not None and body.get("code") != code:
        failures.append(f"{head}expected code {code}, got {body.get('code')!r}")
    if status in (404, 422) and not str(body.get("code", "")).endswith(".not_found"):
        failures.append(f"{head}a hidden thing should read as not found: {body}")
    if status == 401 and not response.headers.get("www-authenticate", "").startswith("Bearer"):
        failures.append(f"{head}401 without 'WWW-Authenticate: Bearer'")
    if found := leaks(response, secrets):
        failures.append(f"{head}refusal mentions {found}: {response.text[:300]}")
    return failures


def allowed_read(response: Response, where: str, hidden: Mapping[str, str]) -> list[str]:
    if response.status_code == 302 and "signature=" in response.headers.get("location", ""):
        return []  # a download: to a signed URL
    if not 200 <= response.status_code < 300:
        return [f"{where}: a permitted read got {response.status_code}: {response.text[:300]}"]
    if found := leaks(response, hidden):
        return [f"{where}: shows {found}: {response.text[:300]}"]
    return []


async def sweep(client: AsyncClient, world: World, who: str) -> list[str]:
    """Every row for Eve, Bob or Gus: refusals as the matrix says, permitted reads leak-free."""
    caller: Account = getattr(world, who)
    names = world.names_for(caller)
    private = ("P's", "private", "A's", "archived")
    anas = ("Ana's own file", "own_file", "Ana's upload", "upload id")  # hers until shared
    hidden = {
        "eve": world.secrets,
        "bob": {k: v for k, v in world.secrets.items() if k.startswith((*private, *anas))},
        "gus": {
            k: v
            for k, v in world.secrets.items()
            if k.startswith((*private, *anas, "general", "dm", "bob", "Bob's"))
        },
    }[who]
    failures: list[str] = []
    for endpoint in ENDPOINTS:
        expected: int | None = getattr(endpoint, who)
        if expected is None and endpoint.method != "GET":
            continue
        response = await send(client, endpoint, names, caller.headers)
        where = f"[{who}] {endpoint.label}"
        if expected is None:
            failures += allowed_read(response, where, hidden)
        else:
            code = endpoint.code if expected == 403 else None
            failures += refused(response, expected, where, world.protected_from(caller), code)
    return failures


def report(failures: list[str]) -> str:
    return f"{len(failures)} problem(s):\n" + "\n".join(failures)


# Nothing changed -----------------------------------------------------------------------------


async def snapshot(client: AsyncClient, world: World) -> dict[str, Any]:
    """What a refused request could have changed, as the people of both workspaces see it."""
    ws = world.ids["ws"]
    views: dict[str, Any] = {}

    async def look(key: str, caller: Account, path: str, pick: Any, **params: Any) -> None:
        response = await client.get(path, params=params, headers=caller.headers)
        views[key] = (
            (200, pick(response.json()))
            if response.status_code == 200
            else (response.status_code, response.text)
        )

    await look("W", world.ana, f"/api/v1/workspaces/{ws}", lambda b: (b["name"], b["description"]))
    await look(
        "W's members and roles",
        world.ana,
        f"/api/v1/workspaces/{ws}/members",
        lambda b: sorted((m["user"]["id"], m["role"]) for m in b["items"]),
        limit=200,
    )
    for person in ("ana", "bob", "gus", "eve"):
        caller = getattr(world, person)
        await look(
            f"{person}'s profile",
            caller,
            "/api/v1/users/me",
            lambda b: (b["display_name"], b["title"], b["timezone"], b["email"]),
        )
        await look(
            f"{person}'s workspaces",
            caller,
            "/api/v1/workspaces",
            lambda b: sorted((w["id"], w["name"], w["role"]) for w in b["items"]),
        )
    for person in ("ana", "bob", "gus"):
        await look(
            f"channels and DMs {person} sees in W",
            getattr(world, person),
            f"/api/v1/workspaces/{ws}/channels",
            lambda b: sorted(
                (
                    c["id"],
                    c["name"],
                    c["topic"],
                    c["purpose"],
                    c["archived_at"],
                    c["member_count"],
                    c["is_member"],
                )
                for c in b["items"]
            ),
            kind=["public", "private", "dm", "group_dm"],
            include_archived="true",
            limit=200,
        )
    for name in ("private", "archived", "public", "general", "dm"):
        await look(
            f"members of {name}",
            world.ana,
            f"/api/v1/channels/{world.ids[name]}/members",
            lambda b: sorted(m["user"]["id"] for m in b["items"]),
            limit=200,
        )
        await look(
            f"messages of {name}",
            world.ana,
            f"/api/v1/channels/{world.ids[name]}/messages",
            lambda b: [_message_state(m) for m in b["items"]],
            limit=200,
        )
        await look(
            f"pins of {name}",
            world.ana,
            f"/api/v1/channels/{world.ids[name]}/pins",
            lambda b: [m["id"] for m in b["items"]],
        )
    for name in ("private_msg", "dm_msg", "general_msg", "public_msg"):
        await look(
            f"{name} and its thread",
            world.ana,
            f"/api/v1/messages/{world.ids[name]}/replies",
            lambda b: [_message_state(m) for m in b["items"]],
            limit=200,
        )
        await look(
            f"{name}'s edits",
            world.ana,
            f"/api/v1/messages/{world.ids[name]}/edits",
            lambda b: b["items"],
        )
    for person in ("ana", "bob", "gus"):
        caller = getattr(world, person)
        await look(
            f"{person}'s unreads in W",
            caller,
            f"/api/v1/workspaces/{ws}/unreads",
            lambda b: (
                [
                    (c["channel_id"], c["muted"], c["unread_messages"], c["mentions"])
                    for c in b["channels"]
                ],
                [(t["root_id"], t["unread_replies"]) for t in b["threads"]],
            ),
        )
        await look(
            f"threads {person} follows in W",
            caller,
            f"/api/v1/workspaces/{ws}/threads",
            lambda b: [(t["root"]["id"], t["unread_replies"]) for t in b["items"]],
        )
        await look(
            f"{person}'s notifications",
            caller,
            "/api/v1/notifications",
            lambda b: [(n["message_id"], n["kind"], n["read_at"]) for n in b["items"]],
        )
    return views


def _message_state(m: dict[str, Any]) -> tuple[Any, ...]:
    """What a refused request could have changed about a message."""
    return (
        m["id"],
        m["text"],
        m["version"],
        m["deleted"],
        m["pinned_by"],
        m["thread"]["reply_count"],
        [(r["emoji"], r["count"], sorted(r["user_ids"])) for r in m["reactions"]],
    )


async def changes(
    client: AsyncClient, world: World, before: dict[str, Any], case: str
) -> list[str]:
    """What the refusals changed: any view that differs, or an invitation link no longer
    usable (it allowed one use, and nobody was meant to take it)."""
    after = await snapshot(client, world)
    failures = [
        f"[{case}] refused requests changed {key}: before {before[key]!r}, after {after[key]!r}"
        for key in before
        if before[key] != after[key]
    ]
    ivo = await signup(client, "ivo")
    accepted = await client.post(
        f"/api/v1/invitations/{world.ids['invitation']}/accept", headers=ivo.headers
    )
    if accepted.status_code != 200 or not accepted.json()["joined"]:
        failures.append(f"[{case}] the invitation link no longer works: {accepted.text}")
    return failures


# Tokens --------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claims_for(account: Account, **changes: Any) -> dict[str, Any]:
    """The claims of a genuine access token for this account's session, with some changed."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "tertulia",
        "aud": "tertulia",
        "sub": account.id,
        "sid": account.session,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    return {**claims, **changes}


def signed(claims: dict[str, Any], secret: str = JWT_SECRET, algorithm: str = "HS256") -> str:
    with warnings.catch_warnings():
        # HS512 asks for a 64-byte key; this token is made to be refused, not to be safe
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        return jwt.encode(claims, secret, algorithm=algorithm)


def with_payload(token: str, **changes: Any) -> str:
    """The token with claims changed and the original signature kept."""
    header, payload, signature = token.split(".")
    claims = {**json.loads(_unb64(payload)), **changes}
    return ".".join((header, _b64(json.dumps(claims).encode()), signature))


def unsigned(claims: dict[str, Any]) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


BAD_TOKENS = {
    "expired": "auth.token_expired",
    "tampered-subject": "auth.token_invalid",
    "tampered-expiry": "auth.token_invalid",
    "alg-none": "auth.token_invalid",
    "other-algorithm": "auth.token_invalid",
    "other-secret": "auth.token_invalid",
    "not-yet-valid": "auth.token_invalid",
    "wrong-issuer": "auth.token_invalid",
    "wrong-audience": "auth.token_invalid",
    "revoked": "auth.session_ended",
}


async def bad_token(client: AsyncClient, world: World, kind: str) -> str:
    """A token that would be Ana's but for one flaw (Bob's, for the changed subject)."""
    ana, now = world.ana, int(time.time())
    expired = signed(claims_for(ana, iat=now - 3600, nbf=now - 3600, exp=now - 60))
    match kind:
        case "expired":
            return expired
        case "tampered-subject":
            return with_payload(world.bob.token, sub=ana.id)
        case "tampered-expiry":
            return with_payload(expired, exp=now + 600)
        case "alg-none":
            return unsigned(claims_for(ana))
        case "other-algorithm":
            return signed(claims_for(ana), algorithm="HS512")
        case "other-secret":
            return signed(claims_for(ana), secret="another-secret-just-as-long-as-ours-0123456789")
        case "not-yet-valid":
            return signed(claims_for(ana, nbf=now + 600, exp=now + 1200))
        case "wrong-issuer":
            return signed(claims_for(ana, iss="somewhere-else"))
        case "wrong-audience":
            return signed(claims_for(ana, aud="somewhere-else"))
        case "revoked":
            second = await login(client, ana.username)
            logout = await client.post("/api/v1/auth/logout", headers=second.headers)
            assert logout.status_code == 204, logout.text
            return second.token
    raise AssertionError(kind)


# Tests ---------------------------------------------------------------------------------------


def test_every_authenticated_endpoint_is_in_the_matrix(tmp_path: Path) -> None:
    """An endpoint added without rows in the matrix fails here, so none escapes the checks."""
    app = create_app(settings_for("sqlite+aiosqlite:///:memory:", tmp_path))
    served = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/")
        for method in operations
    }
    listed = {(e.method, e.route) for e in ENDPOINTS}
    assert served - PUBLIC_ROUTES - listed == set(), "served but not in the matrix"
    assert listed - served == set(), "in the matrix but not served"


async def test_anonymous_callers_are_asked_to_log_in_everywhere(
    client: AsyncClient, world: World
) -> None:
    """Without a token every endpoint answers 401 with WWW-Authenticate, and changes nothing."""
    before = await snapshot(client, world)
    failures: list[str] = []
    for endpoint in ENDPOINTS:
        response = await send(client, endpoint, world.names_for(None), {})
        failures += refused(
            response,
            401,
            f"[anonymous] {endpoint.label}",
            world.protected_from(None),
            "auth.missing_token",
        )
    failures += await changes(client, world, before, "anonymous")
    assert not failures, report(failures)


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
async def test_bad_tokens_are_refused_everywhere(
    client: AsyncClient, world: World, kind: str
) -> None:
    """An expired, tampered, unsigned, foreign, early, misaddressed or revoked token gets 401
    on every endpoint, and nothing changes."""
    token = await bad_token(client, world, kind)
    before = await snapshot(client, world)
    failures: list[str] = []
    for endpoint in ENDPOINTS:
        response = await send(
            client, endpoint, world.names_for(None), {"Authorization": f"Bearer {token}"}
        )
        failures += refused(
            response,
            401,
            f"[{kind} token] {endpoint.label}",
            world.protected_from(None),
            BAD_TOKENS[kind],
        )
    failures += await changes(client, world, before, f"{kind} token")
    assert not failures, report(failures)


async def test_an_outsider_cannot_tell_the_workspace_exists(
    client: AsyncClient, world: World
) -> None:
    """Eve, from another workspace, gets 404 (never 403, never data) for everything in W."""
    before = await snapshot(client, world)
    failures = await sweep(client, world, "eve")
    failures += await changes(client, world, before, "eve")
    assert not failures, report(failures)


async def test_a_member_sees_nothing_of_a_private_channel_they_are_not_in(
    client: AsyncClient, world: World
) -> None:
    """Bob, a member of W outside the private channel, gets 404 for it as if it did not exist,
    403 for what only admins or the channel's people may do, and no trace of it anywhere."""
    before = await snapshot(client, world)
    failures = await sweep(client, world, "bob")
    invite = E(
        "POST",
        W_INVITATIONS,
        IN_W,
        {"role": "guest", "channel_ids": ["{channel}"]},
    )
    answers = []
    for channel in (world.ids["private"], new_id()):
        names = {**world.names_for(world.bob), "channel": channel}
        response = await send(client, invite, names, world.bob.headers)
        answers.append((response.status_code, response.json().get("code")))
    if answers[0] != answers[1]:
        failures.append(
            f"[bob] {invite.label}: P answers {answers[0]}, a channel that does not exist"
            f" {answers[1]}"
        )
    failures += await changes(client, world, before, "bob")
    assert not failures, report(failures)


async def test_a_guest_sees_only_the_channels_they_were_given(
    client: AsyncClient, world: World
) -> None:
    """Gus, a guest in one public channel, gets 404 for the private channel, #general, the DM
    and Bob, 403 for listing members, creating channels and managing, and sees none of them."""
    before = await snapshot(client, world)
    failures = await sweep(client, world, "gus")
    failures += await changes(client, world, before, "gus")
    assert not failures, report(failures)


async def test_rightful_users_read_everything_in_the_matrix(
    client: AsyncClient, world: World
) -> None:
    """Ana reads every resource in the matrix, with her login token and with a token minted the
    way the bad ones are but without a flaw, so no refusal above passes by accident."""
    minted = signed(claims_for(world.ana))
    failures: list[str] = []
    for label, token in (("login token", world.ana.token), ("minted token", minted)):
        for endpoint in ENDPOINTS:
            if endpoint.method != "GET":
                continue
            response = await send(
                client, endpoint, world.names_for(world.ana), {"Authorization": f"Bearer {token}"}
            )
            failures += allowed_read(response, f"[ana, {label}] {endpoint.label}", {})
    private = await client.get(
        f"/api/v1/channels/{world.ids['private']}", headers={"Authorization": f"Bearer {minted}"}
    )
    if world.secrets["P's name"] not in private.text:
        failures.append(f"[ana, minted token] P's own page does not name it: {private.text}")
    assert not failures, report(failures)


async def test_rightful_users_do_every_message_write_in_the_matrix(
    client: AsyncClient, world: World
) -> None:
    """Bob and Gus succeed at every write on messages the matrix allows them, and Ana (author,
    owner, creator) at all of them, so no refusal above passes because a row is mistaken."""
    failures: list[str] = []
    for who in ("bob", "gus", "ana"):
        caller: Account = getattr(world, who)
        for endpoint in CONVERSATIONS:
            if endpoint.method == "GET" or (who != "ana" and getattr(endpoint, who) is not None):
                continue
            response = await send(client, endpoint, world.names_for(caller), caller.headers)
            if not 200 <= response.status_code < 300:
                failures.append(
                    f"[{who}] {endpoint.label}: a permitted write got {response.status_code}:"
                    f" {response.text[:300]}"
                )
    assert not failures, report(failures)
