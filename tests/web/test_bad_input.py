"""Bad input over HTTP: each kind is refused with a 4xx problem naming the field, nothing is
written (what the API shows afterwards is what it showed before), and the server goes on
serving. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient, Response

from tests.conftest import serve
from tests.web.api import PASSWORD, Account, channel, login, ok, problem, signup, workspace

MAX_BODY = 4096
MAX_MESSAGE = 500  # characters; the default (16,000) would not fit in MAX_BODY
SQL_TEXTS = ["'; DROP TABLE users;--", '" OR 1=1 --', "%_\\"]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# the app and what it shows --------------------------------------------------------------------


@pytest.fixture
async def http(database_url: str, tmp_path: Path) -> AsyncIterator[AsyncClient]:
    """A client on the whole app with a 4 KiB body limit and messages of at most 500
    characters. A crash comes back as the 500 response
    a real client would get (not as an exception in the test), so failures say what was seen."""
    async with serve(
        database_url,
        tmp_path,
        raise_app_exceptions=False,
        max_body_bytes=MAX_BODY,
        max_message_length=MAX_MESSAGE,
    ) as client:
        yield client


@dataclass
class Team:
    """Ana, her workspace "Equipo" and its channel #dev."""

    ana: Account
    ws: dict[str, Any]
    ch: dict[str, Any]

    def path(self, template: str) -> str:
        return template.format(ws=self.ws["id"], ch=self.ch["id"], me=self.ana.id)


@pytest.fixture
async def team(http: AsyncClient) -> Team:
    ana = await signup(http, "ana")
    ws = await workspace(http, ana, "Equipo")
    ch = await channel(http, ws["id"], ana, "dev")
    return Team(ana, ws, ch)


async def shown(http: AsyncClient, team: Team) -> dict[str, Any]:
    """Everything the API shows Ana: her profile, her workspaces, their channels (archived ones
    too) and members, and #dev's members. Each request must succeed: the server still serves."""
    headers = team.ana.headers
    workspaces = ok(await http.get("/api/v1/workspaces", headers=headers))["items"]
    seen: dict[str, Any] = {
        "me": ok(await http.get("/api/v1/users/me", headers=headers)),
        "workspaces": workspaces,
        "dev": ok(await http.get(team.path("/api/v1/channels/{ch}"), headers=headers)),
        "dev members": ok(
            await http.get(team.path("/api/v1/channels/{ch}/members"), headers=headers)
        )["items"],
    }
    for ws in workspaces:
        seen[f"channels of {ws['id']}"] = ok(
            await http.get(
                f"/api/v1/workspaces/{ws['id']}/channels",
                params={"include_archived": "true", "limit": 200},
                headers=headers,
            )
        )["items"]
        seen[f"members of {ws['id']}"] = ok(
            await http.get(f"/api/v1/workspaces/{ws['id']}/members", headers=headers)
        )["items"]
    return seen


def refused(
    response: Response, status: int, field: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """A problem+json with that status (and code) whose `errors` name the field, each with a
    message for people."""
    body = problem(response, status, code)
    assert body["detail"], body
    if field is not None:
        errors = body.get("errors") or []
        assert field in [e["field"] for e in errors], body
        for error in errors:
            assert error["message"], body
    return body


async def send(http: AsyncClient, team: Team, method: str, path: str, body: object) -> Response:
    """Send Ana's JSON body to a path template ({ws}, {ch}, {me} filled in)."""
    return await http.request(method, team.path(path), json=body, headers=team.ana.headers)


async def send_raw(
    http: AsyncClient, team: Team | None, method: str, path: str, content: bytes
) -> Response:
    """Send bytes as they are, labelled as JSON (for bodies a JSON encoder would not write)."""
    headers = {"Content-Type": "application/json"}
    if team is not None:
        headers.update(team.ana.headers)
        path = team.path(path)
    return await http.request(method, path, content=content, headers=headers)


async def still_writes(http: AsyncClient, team: Team) -> None:
    """A normal write succeeds after the bad request."""
    created = await workspace(http, team.ana, "Después")
    assert created["name"] == "Después"


def cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# body size and shape ---------------------------------------------------------------------------


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 1000):
        yield data[start : start + 1000]


OVERSIZED = [
    pytest.param("POST", "/api/v1/workspaces", "name", id="new-workspace"),
    pytest.param("PATCH", "/api/v1/users/me", "display_name", id="profile"),
    pytest.param("PATCH", "/api/v1/channels/{ch}", "topic", id="channel-topic"),
    pytest.param("POST", "/api/v1/channels/{ch}/messages", "text", id="message"),
]


@pytest.mark.parametrize(("method", "path", "field"), OVERSIZED)
async def test_a_body_over_the_limit_with_content_length_is_a_413(
    http: AsyncClient, team: Team, method: str, path: str, field: str
) -> None:
    """A body announced (Content-Length) as bigger than the limit gets a 413 problem, changes
    nothing, and the next request works."""
    before = await shown(http, team)
    data = b'{"' + field.encode() + b'": "' + b"x" * (MAX_BODY + 100) + b'"}'
    response = await send_raw(http, team, method, path, data)
    refused(response, 413)
    assert await shown(http, team) == before
    await still_writes(http, team)


@pytest.mark.parametrize(("method", "path", "field"), OVERSIZED)
async def test_a_streamed_body_over_the_limit_is_a_413(
    http: AsyncClient, team: Team, method: str, path: str, field: str
) -> None:
    """A chunked body with no Content-Length that grows past the limit gets a 413 problem,
    changes nothing, and the next request works."""
    before = await shown(http, team)
    data = b'{"' + field.encode() + b'": "' + b"x" * (MAX_BODY + 100) + b'"}'
    response = await http.request(
        method,
        team.path(path),
        content=_chunks(data),
        headers={**team.ana.headers, "Content-Type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    refused(response, 413)
    assert await shown(http, team) == before
    await still_writes(http, team)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b'{"name": ', id="truncated"),
        pytest.param(b"{'name': 'Nuevo'}", id="single-quotes"),
        pytest.param(b'{"name": "Nuevo",}', id="trailing-comma"),
        pytest.param(b"name=Nuevo", id="form-encoded"),
        pytest.param(b"\xff\xfe{\x00}", id="not-utf8"),
    ],
)
async def test_malformed_json_is_a_400(http: AsyncClient, team: Team, content: bytes) -> None:
    """A body that is not JSON at all gets 400 request.malformed_json; nothing is created and
    the next request works."""
    before = await shown(http, team)
    refused(
        await send_raw(http, team, "POST", "/api/v1/workspaces", content),
        400,
        code="request.malformed_json",
    )
    assert await shown(http, team) == before
    await still_writes(http, team)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b'[{"name": "Nuevo"}]', id="array"),
        pytest.param(b'"Nuevo"', id="string"),
        pytest.param(b"42", id="number"),
    ],
)
async def test_json_that_is_not_an_object_is_a_422(
    http: AsyncClient, team: Team, content: bytes
) -> None:
    """Valid JSON of the wrong shape (an array, a bare string or number) gets 422 naming the
    body; no workspace is created."""
    before = await shown(http, team)
    refused(
        await send_raw(http, team, "POST", "/api/v1/workspaces", content),
        422,
        "body",
        "validation.invalid",
    )
    assert await shown(http, team) == before


# fields: types, unknown, missing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        pytest.param("POST", "/api/v1/workspaces", {"name": 42}, "name", id="number-for-name"),
        pytest.param("POST", "/api/v1/workspaces", {"name": None}, "name", id="null-for-name"),
        pytest.param("POST", "/api/v1/workspaces", {"name": ["Eq"]}, "name", id="list-for-name"),
        pytest.param(
            "POST",
            "/api/v1/workspaces/{ws}/channels",
            {"name": 123},
            "name",
            id="number-for-channel-name",
        ),
        pytest.param(
            "PATCH", "/api/v1/users/me", {"display_name": 5}, "display_name", id="display-name"
        ),
        pytest.param(
            "POST",
            "/api/v1/workspaces/{ws}/invitations",
            {"max_uses": "5"},
            "max_uses",
            id="string-for-max-uses",
        ),
        pytest.param(
            "POST",
            "/api/v1/workspaces/{ws}/invitations",
            {"max_uses": True},
            "max_uses",
            id="bool-for-max-uses",
        ),
        pytest.param(
            "POST",
            "/api/v1/workspaces/{ws}/invitations",
            {"expires_in_hours": 1.5},
            "expires_in_hours",
            id="float-for-hours",
        ),
        pytest.param(
            "PATCH",
            "/api/v1/channels/{ch}",
            {"archived": "yes"},
            "archived",
            id="yes-for-archived",
        ),
        pytest.param(
            "PATCH", "/api/v1/channels/{ch}", {"archived": 1}, "archived", id="one-for-archived"
        ),
        pytest.param(
            "POST", "/api/v1/auth/logout", {"everywhere": "yes"}, "everywhere", id="logout"
        ),
        pytest.param(
            "POST",
            "/api/v1/workspaces/{ws}/channels",
            {"name": "nuevo", "kind": "dm"},
            "kind",
            id="dm-kind",
        ),
        pytest.param(
            "POST",
            "/api/v1/workspaces/{ws}/dms",
            {"user_ids": "{me}"},
            "user_ids",
            id="string-for-list",
        ),
    ],
)
async def test_wrong_types_are_refused_naming_the_field(
    http: AsyncClient, team: Team, method: str, path: str, body: object, field: str
) -> None:
    """A number for a name, "5" for a count, "yes" for a boolean: 422 naming the field, and
    nothing changes (the channel is not archived, the session not ended)."""
    before = await shown(http, team)
    refused(await send(http, team, method, path, body), 422, field, "validation.invalid")
    assert await shown(http, team) == before


@pytest.mark.parametrize(
    ("method", "path", "body", "fields"),
    [
        pytest.param(
            "POST",
            "/api/v1/workspaces",
            {"name": "Nuevo", "owner_id": "01JD5Z8Q5E9V4K3M2N1P0R7S6T", "plan": "pro"},
            ["owner_id", "plan"],
            id="workspace",
        ),
        pytest.param(
            "POST",
            "/api/v1/workspaces/{ws}/channels",
            {"name": "nuevo", "is_default": True},
            ["is_default"],
            id="channel",
        ),
        pytest.param(
            "PATCH",
            "/api/v1/users/me",
            {"display_name": "Ana", "username": "root"},
            ["username"],
            id="profile-username",
        ),
        pytest.param(
            "PATCH",
            "/api/v1/workspaces/{ws}",
            {"name": "Otro", "slug": "otro"},
            ["slug"],
            id="workspace-slug",
        ),
        pytest.param(
            "PATCH",
            "/api/v1/channels/{ch}",
            {"topic": "hola", "is_default": True},
            ["is_default"],
            id="channel-patch",
        ),
    ],
)
async def test_unknown_fields_are_refused_naming_them(
    http: AsyncClient, team: Team, method: str, path: str, body: object, fields: list[str]
) -> None:
    """A field the API does not know is refused with 422 naming it (so a typo is never silently
    ignored), and the rest of the body is not applied either."""
    before = await shown(http, team)
    response = await send(http, team, method, path, body)
    for field in fields:
        refused(response, 422, field, "validation.invalid")
    assert await shown(http, team) == before


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        pytest.param("POST", "/api/v1/workspaces", {}, "name", id="workspace-name"),
        pytest.param(
            "POST",
            "/api/v1/workspaces/{ws}/channels",
            {"kind": "private"},
            "name",
            id="channel-name",
        ),
        pytest.param("POST", "/api/v1/channels/{ch}/members", {}, "user_id", id="channel-member"),
        pytest.param("POST", "/api/v1/workspaces/{ws}/dms", {}, "user_ids", id="dm-people"),
        pytest.param("PATCH", "/api/v1/workspaces/{ws}/members/{me}", {}, "role", id="member-role"),
    ],
)
async def test_missing_required_fields_are_named(
    http: AsyncClient, team: Team, method: str, path: str, body: object, field: str
) -> None:
    """Leaving out a required field gets 422 naming it; nothing is created."""
    before = await shown(http, team)
    refused(await send(http, team, method, path, body), 422, field, "validation.invalid")
    assert await shown(http, team) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"email": "zoe@example.com", "password": PASSWORD}, "username", id="username"),
        pytest.param({"username": "zoe", "password": PASSWORD}, "email", id="email"),
        pytest.param({"username": "zoe", "email": "zoe@example.com"}, "password", id="password"),
    ],
)
async def test_registering_without_a_required_field_creates_no_account(
    http: AsyncClient, body: dict[str, str], field: str
) -> None:
    """Registering without username, email or password gets 422 naming it, and the name stays
    free: the full registration succeeds afterwards."""
    refused(await http.post("/api/v1/auth/register", json=body), 422, field)
    full = {"username": "zoe", "email": "zoe@example.com", "password": PASSWORD}
    ok(await http.post("/api/v1/auth/register", json=full), 201)


# characters that may not be stored ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        pytest.param("POST", "/api/v1/workspaces", {"name": "Equi\x00po"}, "name", id="ws-name"),
        pytest.param(
            "PATCH", "/api/v1/users/me", {"display_name": "Ana\x00"}, "display_name", id="profile"
        ),
        pytest.param(
            "PATCH", "/api/v1/channels/{ch}", {"topic": "\x00hola"}, "topic", id="channel-topic"
        ),
        pytest.param(
            "POST",
            "/api/v1/workspaces/{ws}/channels",
            {"name": "nue\x00vo"},
            "name",
            id="channel-name",
        ),
        pytest.param(
            "POST",
            "/api/v1/workspaces",
            {"name": "Nuevo", "description": "a\x00b"},
            "description",
            id="ws-description",
        ),
    ],
)
async def test_nul_characters_are_refused_naming_the_field(
    http: AsyncClient, team: Team, method: str, path: str, body: object, field: str
) -> None:
    """A NUL character (which PostgreSQL cannot store) gets 422 naming the field that holds it,
    never a 500, and nothing is written."""
    before = await shown(http, team)
    refused(await send(http, team, method, path, body), 422, field)
    assert await shown(http, team) == before


@pytest.mark.parametrize(
    ("method", "path", "template", "field"),
    [
        pytest.param("PATCH", "/api/v1/users/me", '{"display_name": "%s"}', "display_name"),
        pytest.param("POST", "/api/v1/workspaces", '{"name": "%s"}', "name", id="ws-name"),
        pytest.param("PATCH", "/api/v1/workspaces/{ws}", '{"description": "%s"}', "description"),
        pytest.param("POST", "/api/v1/workspaces/{ws}/channels", '{"name": "%s"}', "name"),
        pytest.param("PATCH", "/api/v1/channels/{ch}", '{"topic": "%s"}', "topic"),
        pytest.param("PATCH", "/api/v1/users/me", '{"timezone": "%s"}', "timezone"),
    ],
)
@pytest.mark.parametrize(
    "escape",
    [
        pytest.param("\\ud800", id="lone-high"),
        pytest.param("Ana \\ud83d", id="half-an-emoji"),
    ],
)
async def test_a_lone_surrogate_is_a_422_never_a_500(
    http: AsyncClient, team: Team, method: str, path: str, template: str, field: str, escape: str
) -> None:
    """A JSON escape for half a UTF-16 pair (which no database can store) gets 422 naming the
    field, and nothing is written."""
    before = await shown(http, team)
    content = (template % escape).encode()
    refused(await send_raw(http, team, method, path, content), 422, field)
    assert await shown(http, team) == before


@pytest.mark.parametrize(
    ("path", "template", "field"),
    [
        pytest.param("/api/v1/auth/login", '{"login": "%s", "password": "x"}', "login", id="login"),
        pytest.param(
            "/api/v1/auth/login", '{"login": "ana", "password": "%s"}', "password", id="password"
        ),
        pytest.param("/api/v1/auth/refresh", '{"refresh_token": "%s"}', "refresh_token"),
        pytest.param(
            "/api/v1/auth/register",
            '{"username": "zoe", "email": "zoe@example.com", "password": "violeta-%s-42!"}',
            "password",
            id="register-password",
        ),
        pytest.param(
            "/api/v1/auth/register",
            '{"username": "zoe", "email": "zo%s@example.com", "password": "violeta-azul-42!"}',
            "email",
            id="register-email",
        ),
    ],
)
async def test_a_lone_surrogate_in_credentials_is_a_422(
    http: AsyncClient, team: Team, path: str, template: str, field: str
) -> None:
    """Half a surrogate pair in a login, password, refresh token or email gets 422 naming the
    field, never a 500 from the hasher or the database, and no account is created."""
    content = (template % "\\ud800").encode()
    refused(await send_raw(http, None, "POST", path, content), 422, field)
    ok(await http.get("/api/v1/users/me", headers=team.ana.headers))
    full = {"username": "zoe", "email": "zoe@example.com", "password": PASSWORD}
    ok(await http.post("/api/v1/auth/register", json=full), 201)


# unicode in names ------------------------------------------------------------------------------

NAME_FIELDS = [
    pytest.param("PATCH", "/api/v1/users/me", "display_name", "Ana{}Bob", id="display-name"),
    pytest.param("POST", "/api/v1/workspaces", "name", "Equipo{}Rojo", id="new-workspace"),
    pytest.param("PATCH", "/api/v1/workspaces/{ws}", "name", "Equipo{}Rojo", id="ws-rename"),
    pytest.param("POST", "/api/v1/workspaces/{ws}/channels", "name", "dev{}ops", id="channel"),
    pytest.param("PATCH", "/api/v1/channels/{ch}", "name", "dev{}ops", id="channel-rename"),
]


@pytest.mark.parametrize(("method", "path", "field", "pattern"), NAME_FIELDS)
@pytest.mark.parametrize(
    "char",
    [
        pytest.param("\u202e", id="rtl-override"),
        pytest.param("\u200b", id="zero-width-space"),
        pytest.param("\ufeff", id="bom"),
        pytest.param("\n", id="newline"),
        pytest.param("\t", id="tab"),
        pytest.param("\x1b", id="escape"),
        pytest.param("\u2028", id="line-separator"),
    ],
)
async def test_invisible_and_control_characters_are_refused_in_names(
    http: AsyncClient,
    team: Team,
    method: str,
    path: str,
    field: str,
    pattern: str,
    char: str,
) -> None:
    """Names others see may not hide anything: a bidi override, zero-width or byte-order mark,
    a line break or another control character gets 422 naming the field, and every name stays
    as it was."""
    before = await shown(http, team)
    refused(await send(http, team, method, path, {field: pattern.format(char)}), 422, field)
    assert await shown(http, team) == before


WORLD_NAMES = [
    pytest.param("Ana 🌻", id="emoji"),
    pytest.param("😀🎉🦄", id="only-4-byte-emoji"),
    pytest.param("🧑🏽\u200d💻 Ana", id="zwj-emoji-with-skin-tone"),
    pytest.param("👩\u200d👩\u200d👧", id="family-emoji"),
    pytest.param("مريم الحسيني", id="arabic"),
    pytest.param("שלום עליכם", id="hebrew"),
    pytest.param("王小明", id="chinese"),
    pytest.param("佐藤さん", id="japanese"),
    pytest.param("김민준", id="korean"),
    pytest.param("𠜎𠜱𠝹", id="cjk-extension-b"),
    pytest.param("می\u200cخواهم", id="persian-with-zwnj"),
    pytest.param("Zoë Ørsted-Łukasz", id="latin-accents"),
]


@pytest.mark.parametrize("name", WORLD_NAMES)
async def test_display_names_in_any_script_round_trip_exactly(
    http: AsyncClient, team: Team, name: str
) -> None:
    """A display name in Arabic, Hebrew, CJK or 4-byte emoji is accepted and comes back exactly
    as sent, on the profile, on login and to people who look it up."""
    changed = ok(await send(http, team, "PATCH", "/api/v1/users/me", {"display_name": name}))
    assert changed["display_name"] == name
    me = ok(await http.get("/api/v1/users/me", headers=team.ana.headers))
    assert me["display_name"] == name
    profile = ok(await http.get(team.path("/api/v1/users/{me}"), headers=team.ana.headers))
    assert profile["display_name"] == name
    body = ok(await http.post("/api/v1/auth/login", json={"login": "ana", "password": PASSWORD}))
    assert body["user"]["display_name"] == name


@pytest.mark.parametrize("name", WORLD_NAMES)
async def test_workspace_names_in_any_script_round_trip_exactly(
    http: AsyncClient, team: Team, name: str
) -> None:
    """A workspace named in Arabic, Hebrew, CJK or 4-byte emoji is created with exactly that
    name, shown the same in the list, and a rename to it keeps it exactly too."""
    created = ok(await send(http, team, "POST", "/api/v1/workspaces", {"name": name}), 201)
    assert created["name"] == name
    fetched = ok(await http.get(f"/api/v1/workspaces/{created['id']}", headers=team.ana.headers))
    assert fetched["name"] == name
    listed = ok(await http.get("/api/v1/workspaces", headers=team.ana.headers))["items"]
    assert name in [w["name"] for w in listed]
    renamed = ok(await send(http, team, "PATCH", "/api/v1/workspaces/{ws}", {"name": name}))
    assert renamed["name"] == name


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        pytest.param("Diseño-WEB", "diseño-web", id="latin"),
        pytest.param("ΑΘΗΝΑ", "αθηνα", id="greek"),
        pytest.param("Москва_2026", "москва_2026", id="cyrillic"),
        pytest.param("研发", "研发", id="chinese"),
    ],
)
async def test_channel_names_are_lowercased(
    http: AsyncClient, team: Team, sent: str, stored: str
) -> None:
    """An uppercase channel name is stored lowercased, in any script, and found by that name."""
    created = ok(
        await send(http, team, "POST", "/api/v1/workspaces/{ws}/channels", {"name": sent}), 201
    )
    assert created["name"] == stored
    listed = ok(
        await http.get(team.path("/api/v1/workspaces/{ws}/channels"), headers=team.ana.headers)
    )["items"]
    assert stored in [c["name"] for c in listed]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("dev ops", id="space"),
        pytest.param("🚀", id="emoji"),
        pytest.param("lanzamiento-🚀", id="word-and-emoji"),
        pytest.param("dev.ops", id="dot"),
        pytest.param("#dev", id="hash"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("--", id="no-letter"),
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("POST", "/api/v1/workspaces/{ws}/channels", id="create"),
        pytest.param("PATCH", "/api/v1/channels/{ch}", id="rename"),
    ],
)
async def test_channel_names_with_spaces_or_emoji_are_refused(
    http: AsyncClient, team: Team, method: str, path: str, name: str
) -> None:
    """A channel name with a space, emoji or punctuation (or none at all) gets 422 naming
    `name`; no channel is created and #dev keeps its name."""
    before = await shown(http, team)
    refused(await send(http, team, method, path, {"name": name}), 422, "name")
    assert await shown(http, team) == before


# SQL metacharacters ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", SQL_TEXTS)
async def test_sql_metacharacters_are_stored_literally_in_free_text(
    http: AsyncClient, team: Team, text: str
) -> None:
    """Quotes, comment markers and LIKE wildcards in a display name, a topic or a workspace name
    are kept exactly as typed, and every table still answers afterwards."""
    me = ok(await send(http, team, "PATCH", "/api/v1/users/me", {"display_name": text}))
    assert me["display_name"] == text
    dev = ok(await send(http, team, "PATCH", "/api/v1/channels/{ch}", {"topic": text}))
    assert dev["topic"] == text
    created = ok(
        await send(http, team, "POST", "/api/v1/workspaces", {"name": text, "description": text}),
        201,
    )
    assert (created["name"], created["description"]) == (text, text)

    seen = await shown(http, team)
    assert seen["me"]["display_name"] == text
    assert seen["dev"]["topic"] == text
    assert text in [w["name"] for w in seen["workspaces"]]
    assert [m["user"]["username"] for m in seen[f"members of {team.ws['id']}"]] == ["ana"]
    await login(http, "ana")
    await signup(http, "bob")


@pytest.mark.parametrize("text", SQL_TEXTS)
@pytest.mark.parametrize(
    ("method", "path", "field", "code"),
    [
        pytest.param(
            "POST", "/api/v1/workspaces/{ws}/channels", "name", "channel.name_invalid", id="new"
        ),
        pytest.param("PATCH", "/api/v1/channels/{ch}", "name", "channel.name_invalid", id="rename"),
    ],
)
async def test_sql_metacharacters_are_refused_in_channel_names(
    http: AsyncClient, team: Team, method: str, path: str, field: str, code: str, text: str
) -> None:
    """A channel name with quotes, dashes-and-spaces or wildcards is refused with 422 naming
    `name`; no channel appears and the tables are intact."""
    before = await shown(http, team)
    refused(await send(http, team, method, path, {field: text}), 422, field, code)
    assert await shown(http, team) == before


@pytest.mark.parametrize("text", SQL_TEXTS)
async def test_sql_metacharacters_are_refused_in_usernames_and_slugs(
    http: AsyncClient, team: Team, text: str
) -> None:
    """A username or workspace slug made of SQL is refused with 422 naming the field; no account
    or workspace is created, the users table still works and the email stays free."""
    before = await shown(http, team)
    refused(
        await http.post(
            "/api/v1/auth/register",
            json={"username": text, "email": "zoe@example.com", "password": PASSWORD},
        ),
        422,
        "username",
    )
    refused(
        await send(http, team, "POST", "/api/v1/workspaces", {"name": "Nuevo", "slug": text}),
        422,
        "slug",
    )
    refused(
        await http.post("/api/v1/auth/login", json={"login": text, "password": text}),
        401,
        code="auth.invalid_credentials",
    )
    assert await shown(http, team) == before
    await login(http, "ana")
    full = {"username": "zoe", "email": "zoe@example.com", "password": PASSWORD}
    ok(await http.post("/api/v1/auth/register", json=full), 201)


# lengths ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        pytest.param(
            "PATCH", "/api/v1/users/me", {"display_name": "a" * 65}, "display_name", id="dn-65"
        ),
        pytest.param(
            "PATCH", "/api/v1/users/me", {"display_name": "😀" * 65}, "display_name", id="dn-emoji"
        ),
        pytest.param(
            "PATCH", "/api/v1/users/me", {"display_name": "a" * 3000}, "display_name", id="dn-huge"
        ),
        pytest.param("PATCH", "/api/v1/users/me", {"title": "a" * 101}, "title", id="title"),
        pytest.param("POST", "/api/v1/workspaces", {"name": "a" * 81}, "name", id="ws-81"),
        pytest.param("POST", "/api/v1/workspaces", {"name": "a" * 3000}, "name", id="ws-huge"),
        pytest.param(
            "PATCH", "/api/v1/workspaces/{ws}", {"name": "a" * 81}, "name", id="ws-rename-81"
        ),
        pytest.param(
            "POST",
            "/api/v1/workspaces",
            {"name": "Nuevo", "description": "a" * 251},
            "description",
            id="ws-description",
        ),
        pytest.param(
            "POST",
            "/api/v1/workspaces",
            {"name": "Nuevo", "slug": "a" * 41},
            "slug",
            id="ws-slug",
        ),
        pytest.param(
            "POST",
            "/api/v1/workspaces/{ws}/channels",
            {"name": "a" * 81},
            "name",
            id="channel-81",
        ),
        pytest.param(
            "POST",
            "/api/v1/workspaces/{ws}/channels",
            {"name": "a" * 3000},
            "name",
            id="channel-huge",
        ),
        pytest.param("PATCH", "/api/v1/channels/{ch}", {"topic": "a" * 251}, "topic", id="topic"),
        pytest.param(
            "PATCH", "/api/v1/channels/{ch}", {"purpose": "a" * 3000}, "purpose", id="purpose"
        ),
    ],
)
async def test_strings_over_the_limits_are_refused(
    http: AsyncClient, team: Team, method: str, path: str, body: object, field: str
) -> None:
    """A name, title, topic or description longer than allowed (by one, or by thousands) gets
    422 naming the field, and nothing is stored, not even cut short."""
    before = await shown(http, team)
    refused(await send(http, team, method, path, body), 422, field)
    assert await shown(http, team) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"username": "a" * 33}, "username", id="username"),
        pytest.param({"password": "x" * 257}, "password", id="password"),
        pytest.param({"email": "a" * 250 + "@example.com"}, "email", id="email"),
        pytest.param({"display_name": "a" * 65}, "display_name", id="display-name"),
    ],
)
async def test_registering_with_a_string_over_the_limit_creates_no_account(
    http: AsyncClient, body: dict[str, str], field: str
) -> None:
    """An over-long username, password, email or display name at registration gets 422 naming
    it, and the account can still be made with sane values."""
    full = {"username": "zoe", "email": "zoe@example.com", "password": PASSWORD}
    refused(await http.post("/api/v1/auth/register", json={**full, **body}), 422, field)
    ok(await http.post("/api/v1/auth/register", json=full), 201)


# paths and query strings -----------------------------------------------------------------------

BAD_IDS = [
    "abc",  # too short
    "01JD5Z8Q5E9V4K3M2N1P0R7S6",  # 25 characters
    "01JD5Z8Q5E9V4K3M2N1P0R7S6TX",  # 27 characters
    "01jd5z8q5e9v4k3m2n1p0r7s6t",  # lowercase
    "01JD5Z8Q5E9V4K3M2N1P0R7S6U",  # U is not Crockford base32
    "01JD5Z8Q5E9V4K3M2N1P0R7S6I",  # neither is I
    "ZZZZZZZZZZZZZZZZZZZZZZZZZZ",  # the right shape, naming nothing
    "'; DROP TABLE channels;--",
    "1' OR '1'='1",
    "%27%20OR%201%3D1",  # the same, percent-encoded
    "%00",  # NUL
    "01JD5Z8Q5E9V4K3M2N1P0R7S6T%0A",  # a good id and a newline
    "🚀🚀🚀",
]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/api/v1/channels/{bad}", id="channel"),
        pytest.param("PATCH", "/api/v1/channels/{bad}", id="channel-patch"),
        pytest.param("GET", "/api/v1/channels/{bad}/members", id="channel-members"),
        pytest.param("GET", "/api/v1/workspaces/{bad}", id="workspace"),
        pytest.param("GET", "/api/v1/workspaces/{bad}/members", id="workspace-members"),
        pytest.param("GET", "/api/v1/users/{bad}", id="user"),
        pytest.param("DELETE", "/api/v1/workspaces/{ws}/members/{bad}", id="remove-member"),
        pytest.param("DELETE", "/api/v1/channels/{ch}/members/{bad}", id="leave-channel"),
        pytest.param("GET", "/api/v1/channels/{bad}/messages", id="history"),
        pytest.param("GET", "/api/v1/channels/{bad}/pins", id="pins"),
        pytest.param("POST", "/api/v1/channels/{bad}/read", id="read"),
        pytest.param("GET", "/api/v1/messages/{bad}", id="message"),
        pytest.param("DELETE", "/api/v1/messages/{bad}", id="delete-message"),
        pytest.param("GET", "/api/v1/messages/{bad}/edits", id="edits"),
        pytest.param("GET", "/api/v1/messages/{bad}/replies", id="replies"),
        pytest.param("PUT", "/api/v1/messages/{bad}/follow", id="follow"),
        pytest.param("PUT", "/api/v1/messages/{bad}/reactions/:+1:", id="react"),
        pytest.param("PUT", "/api/v1/messages/{bad}/pin", id="pin"),
        pytest.param("GET", "/api/v1/workspaces/{bad}/threads", id="threads"),
        pytest.param("GET", "/api/v1/workspaces/{bad}/unreads", id="unreads"),
    ],
)
async def test_invalid_ids_in_paths_are_422_or_404_never_500(
    http: AsyncClient, team: Team, method: str, path: str
) -> None:
    """An id that is not 26 Crockford base32 characters, or SQL posing as one, gets 422 (bad
    shape) or 404 (no such thing) as a problem, never a 500, and nothing changes."""
    before = await shown(http, team)
    body = {"topic": "hola"} if method == "PATCH" else None
    statuses = {}
    for bad in BAD_IDS:
        url = path.replace("{bad}", bad).format(ws=team.ws["id"], ch=team.ch["id"])
        response = await http.request(method, url, json=body, headers=team.ana.headers)
        statuses[bad] = response.status_code
        if response.status_code in (404, 422):
            problem(response, response.status_code)
    wrong = {bad: s for bad, s in statuses.items() if s not in (404, 422)}
    assert not wrong, f"neither 404 nor 422: {wrong}"
    assert statuses["ZZZZZZZZZZZZZZZZZZZZZZZZZZ"] == 404
    assert await shown(http, team) == before


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("short", id="short"),
        pytest.param("'; DROP TABLE invitations;--", id="sql"),
        pytest.param("a" * 65, id="too-long"),
        pytest.param("A" * 32, id="right-shape-no-such"),
    ],
)
async def test_invalid_invitation_tokens_are_422_or_404(
    http: AsyncClient, team: Team, token: str
) -> None:
    """Accepting an invitation with a malformed or unknown token gets 422 or 404, and nobody
    joins anything."""
    bob = await signup(http, "bob")
    before = await shown(http, team)
    response = await http.post(f"/api/v1/invitations/{token}/accept", headers=bob.headers)
    assert response.status_code in (404, 422), (response.status_code, response.text)
    problem(response, response.status_code)
    assert await shown(http, team) == before
    assert ok(await http.get("/api/v1/workspaces", headers=bob.headers))["items"] == []


LISTS = [
    "/api/v1/workspaces/{ws}/members",
    "/api/v1/channels/{ch}/members",
    "/api/v1/workspaces/{ws}/channels",
]


async def statuses_of_lists(
    http: AsyncClient, team: Team, params: dict[str, str]
) -> dict[str, int]:
    """The status of each paginated list for these query parameters; each refusal checked to
    be a problem naming the parameter."""
    statuses = {}
    for path in LISTS:
        response = await http.get(team.path(path), params=params, headers=team.ana.headers)
        statuses[path] = response.status_code
        if response.status_code == 422:
            refused(response, 422, next(iter(params)))
    return statuses


@pytest.mark.parametrize(
    "after",
    [
        pytest.param("!!!***", id="not-base64"),
        pytest.param("%%%", id="percent-signs"),
        pytest.param("Zm9v!!", id="base64-then-garbage"),
        pytest.param("\x00", id="raw-nul"),
        pytest.param(cursor(b"ana\x00"), id="cursor-with-nul"),
        pytest.param(cursor(b"dev\x00\x1f01JD5ZB0CHANNE10000000000A"), id="two-parts-with-nul"),
        pytest.param(cursor(b"\xff\xfe\xfd"), id="not-utf8"),
        pytest.param(cursor(b"a\x1fb\x1fc\x1fd"), id="too-many-parts"),
        pytest.param("A" * 513, id="too-long"),
    ],
)
async def test_invalid_cursors_are_422(http: AsyncClient, team: Team, after: str) -> None:
    """An `after` cursor the server did not make (garbage, a NUL inside, too long) gets 422
    naming `after` on every list, never a 500 and never a page that pretends it was fine."""
    statuses = await statuses_of_lists(http, team, {"after": after})
    wrong = {path: s for path, s in statuses.items() if s != 422}
    assert not wrong, f"not refused with 422: {wrong}"
    await shown(http, team)


@pytest.mark.parametrize("limit", ["0", "1000", "201", "-1", "abc", "1.5", ""])
async def test_limits_out_of_range_are_422(http: AsyncClient, team: Team, limit: str) -> None:
    """A page size of 0, 1000, -1 or "abc" gets 422 naming `limit` on every list."""
    statuses = await statuses_of_lists(http, team, {"limit": limit})
    wrong = {path: s for path, s in statuses.items() if s != 422}
    assert not wrong, f"not refused with 422: {wrong}"
    await shown(http, team)


# emails, time zones, invitations ---------------------------------------------------------------

BAD_EMAILS = [
    pytest.param("not-an-email", id="no-at"),
    pytest.param("zoe@localhost", id="no-dot"),
    pytest.param("zoe@@example.com", id="two-ats"),
    pytest.param("@example.com", id="no-local-part"),
    pytest.param("zoe@", id="no-domain"),
    pytest.param("zoe @example.com", id="space"),
    pytest.param("zoe@example..com", id="double-dot"),
    pytest.param("zoe@example.com\n", id="newline"),
    pytest.param("zoe'; DROP TABLE users;--@example.com", id="sql"),
    pytest.param("", id="empty"),
]


@pytest.mark.parametrize("email", BAD_EMAILS)
async def test_bad_emails_are_refused_at_registration(http: AsyncClient, email: str) -> None:
    """Registering with an address that cannot be one gets 422 naming `email`, and no account
    is made (the username is still free)."""
    body = {"username": "zoe", "email": email, "password": PASSWORD}
    refused(await http.post("/api/v1/auth/register", json=body), 422, "email")
    full = {"username": "zoe", "email": "zoe@example.com", "password": PASSWORD}
    ok(await http.post("/api/v1/auth/register", json=full), 201)


@pytest.mark.parametrize("email", BAD_EMAILS)
async def test_bad_emails_are_refused_on_the_profile(
    http: AsyncClient, team: Team, email: str
) -> None:
    """Changing one's email to an impossible address gets 422 naming `email`; the old address
    stays."""
    before = await shown(http, team)
    body = {"email": email, "current_password": PASSWORD}
    refused(await send(http, team, "PATCH", "/api/v1/users/me", body), 422, "email")
    assert await shown(http, team) == before


@pytest.mark.parametrize(
    "timezone",
    [
        pytest.param("Mars/Olympus_Mons", id="unknown"),
        pytest.param("Europe/Atlantis", id="unknown-city"),
        pytest.param("UTC+25", id="offset"),
        pytest.param("../../etc/passwd", id="path-traversal"),
        pytest.param("/etc/localtime", id="absolute-path"),
        pytest.param("Europe/Madrid; DROP TABLE users", id="sql"),
        pytest.param("Europe/\nMadrid", id="newline"),
        pytest.param("A" * 65, id="too-long"),
        pytest.param(5, id="number"),
    ],
)
async def test_bad_timezones_are_refused(http: AsyncClient, team: Team, timezone: object) -> None:
    """A time zone that is not an IANA name gets 422 naming `timezone`; the profile keeps its
    zone, and a real one is accepted afterwards."""
    ok(await send(http, team, "PATCH", "/api/v1/users/me", {"timezone": "America/Bogota"}))
    before = await shown(http, team)
    refused(
        await send(http, team, "PATCH", "/api/v1/users/me", {"timezone": timezone}), 422, "timezone"
    )
    assert await shown(http, team) == before
    changed = ok(await send(http, team, "PATCH", "/api/v1/users/me", {"timezone": "Asia/Tokyo"}))
    assert changed["timezone"] == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"max_uses": 0}, "max_uses", id="no-uses"),
        pytest.param({"max_uses": -1}, "max_uses", id="negative-uses"),
        pytest.param({"max_uses": 1001}, "max_uses", id="too-many-uses"),
        pytest.param({"expires_in_hours": 0}, "expires_in_hours", id="expires-now"),
        pytest.param({"expires_in_hours": 721}, "expires_in_hours", id="over-30-days"),
        pytest.param({"expires_in_hours": 10000}, "expires_in_hours", id="10000-hours"),
        pytest.param({"role": "owner"}, "role", id="owner-role"),
        pytest.param({"role": "superuser"}, "role", id="unknown-role"),
        pytest.param({"email": "not-an-email"}, "email", id="bad-email"),
        pytest.param({"channel_ids": ["nope"]}, "channel_ids[0]", id="bad-channel-id"),
    ],
)
async def test_invitations_out_of_bounds_are_refused(
    http: AsyncClient, team: Team, body: dict[str, object], field: str
) -> None:
    """An invitation for 0 people, for 10000 hours, with an unknown role or a malformed
    channel id gets 422 naming the field; no link is made and nobody can join."""
    response = await send(http, team, "POST", "/api/v1/workspaces/{ws}/invitations", body)
    refused(response, 422, field)
    assert "token" not in response.json()
    before = await shown(http, team)
    await signup(http, "bob")
    assert await shown(http, team) == before


# messages --------------------------------------------------------------------------------------

MESSAGES = "/api/v1/channels/{ch}/messages"


@pytest.fixture
async def said(http: AsyncClient, team: Team) -> dict[str, Any]:
    """Ana's message "hola" in #dev."""
    body: dict[str, Any] = ok(await send(http, team, "POST", MESSAGES, {"text": "hola"}), 201)
    return body


async def conversation(http: AsyncClient, team: Team) -> dict[str, Any]:
    """Everything the API shows Ana of what is said: the channels she may see (above), every
    message of #dev with its thread, edits and reactions, the pins, her notifications, unreads
    and followed threads."""
    headers = team.ana.headers
    seen = await shown(http, team)
    for ws in seen["workspaces"]:
        for ch in seen[f"channels of {ws['id']}"]:
            messages = ok(
                await http.get(
                    f"/api/v1/channels/{ch['id']}/messages",
                    params={"limit": 200},
                    headers=headers,
                )
            )
            seen[f"messages of {ch['id']}"] = messages
            for m in messages["items"]:
                seen[f"replies to {m['id']}"] = ok(
                    await http.get(f"/api/v1/messages/{m['id']}/replies", headers=headers)
                )
                seen[f"edits of {m['id']}"] = ok(
                    await http.get(f"/api/v1/messages/{m['id']}/edits", headers=headers)
                )
            seen[f"pins of {ch['id']}"] = ok(
                await http.get(f"/api/v1/channels/{ch['id']}/pins", headers=headers)
            )
        seen[f"unreads in {ws['id']}"] = ok(
            await http.get(f"/api/v1/workspaces/{ws['id']}/unreads", headers=headers)
        )
        seen[f"threads in {ws['id']}"] = ok(
            await http.get(f"/api/v1/workspaces/{ws['id']}/threads", headers=headers)
        )
    seen["notifications"] = ok(await http.get("/api/v1/notifications", headers=headers))
    return seen


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("a" * (MAX_MESSAGE + 1), "message.too_long", id="one-over"),
        pytest.param("😀" * (MAX_MESSAGE + 1), "message.too_long", id="emoji-one-over"),
        pytest.param("a" * 3000, "message.too_long", id="far-over"),
        pytest.param("", "message.empty", id="empty"),
        pytest.param("   ", "message.empty", id="spaces"),
        pytest.param(" \n\t \r\n", "message.empty", id="whitespace"),
    ],
)
@pytest.mark.parametrize("how", ["post", "edit"])
async def test_message_text_empty_or_over_the_limit_is_refused(
    http: AsyncClient, team: Team, said: dict[str, Any], text: str, code: str, how: str
) -> None:
    """Posting or editing to text that is blank or one character (an emoji counts as one) over
    the configured maximum gets 422 naming `text`; nothing is posted and the message keeps its
    text."""
    before = await conversation(http, team)
    if how == "post":
        response = await send(http, team, "POST", MESSAGES, {"text": text})
    else:
        response = await send(
            http, team, "PATCH", f"/api/v1/messages/{said['id']}", {"text": text, "version": 1}
        )
    body = refused(response, 422, "text")
    assert [e["code"] for e in body["errors"] if e["field"] == "text"] == [code]
    assert await conversation(http, team) == before


async def test_message_text_at_the_limit_is_accepted(http: AsyncClient, team: Team) -> None:
    """Exactly the maximum, in 4-byte emoji, is posted and comes back exactly as sent."""
    text = "😀" * MAX_MESSAGE
    posted = ok(await send(http, team, "POST", MESSAGES, {"text": text}), 201)
    assert posted["text"] == text


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        pytest.param("POST", MESSAGES, {"text": "ho\x00la"}, "text", id="post-text"),
        pytest.param(
            "POST", MESSAGES, {"text": "hola", "client_msg_id": "k\x001"}, "client_msg_id", id="key"
        ),
        pytest.param(
            "PATCH", "/api/v1/messages/{said}", {"text": "\x00", "version": 1}, "text", id="edit"
        ),
    ],
)
async def test_nul_in_a_message_is_refused(
    http: AsyncClient,
    team: Team,
    said: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    """A NUL in a message's text or client_msg_id gets 422 naming the field, never a 500, and
    nothing is posted or changed."""
    before = await conversation(http, team)
    response = await send(http, team, method, path.replace("{said}", said["id"]), body)
    refused(response, 422, field)
    assert await conversation(http, team) == before


@pytest.mark.parametrize(
    ("method", "path", "template", "field"),
    [
        pytest.param("POST", MESSAGES, '{"text": "%s"}', "text", id="post-text"),
        pytest.param(
            "POST",
            MESSAGES,
            '{"text": "hola", "client_msg_id": "k%s"}',
            "client_msg_id",
            id="client-msg-id",
        ),
        pytest.param(
            "PATCH", "/api/v1/messages/{said}", '{"text": "%s", "version": 1}', "text", id="edit"
        ),
    ],
)
@pytest.mark.parametrize(
    "escape",
    [pytest.param("\\ud800", id="lone-high"), pytest.param("hola \\udc00", id="lone-low")],
)
async def test_a_lone_surrogate_in_a_message_is_a_422(
    http: AsyncClient,
    team: Team,
    said: dict[str, Any],
    method: str,
    path: str,
    template: str,
    field: str,
    escape: str,
) -> None:
    """Half a UTF-16 pair in a message's text or key gets 422 naming the field, never a 500
    from the renderer or the database, and nothing is written."""
    before = await conversation(http, team)
    content = (template % escape).encode()
    refused(
        await send_raw(http, team, method, path.replace("{said}", said["id"]), content), 422, field
    )
    assert await conversation(http, team) == before


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        pytest.param("POST", MESSAGES, {"text": 42}, "text", id="number-text"),
        pytest.param("POST", MESSAGES, {"text": None}, "text", id="null-text"),
        pytest.param("POST", MESSAGES, {"text": ["hola"]}, "text", id="list-text"),
        pytest.param("POST", MESSAGES, {"text": {"md": "hola"}}, "text", id="object-text"),
        pytest.param(
            "POST",
            MESSAGES,
            {"text": "hola", "also_send_to_channel": "true"},
            "also_send_to_channel",
            id="string-bool",
        ),
        pytest.param(
            "POST",
            MESSAGES,
            {"text": "hola", "also_send_to_channel": 1},
            "also_send_to_channel",
            id="number-bool",
        ),
        pytest.param(
            "POST", MESSAGES, {"text": "hola", "client_msg_id": 7}, "client_msg_id", id="key"
        ),
        pytest.param(
            "POST",
            MESSAGES,
            {"text": "hola", "thread_root_id": 1},
            "thread_root_id",
            id="number-root",
        ),
        pytest.param(
            "PATCH",
            "/api/v1/messages/{said}",
            {"text": "hola", "version": "1"},
            "version",
            id="string-version",
        ),
        pytest.param(
            "PATCH",
            "/api/v1/messages/{said}",
            {"text": "hola", "version": True},
            "version",
            id="bool-version",
        ),
        pytest.param(
            "PATCH",
            "/api/v1/messages/{said}",
            {"text": "hola", "version": 1.5},
            "version",
            id="float-version",
        ),
        pytest.param(
            "PATCH",
            "/api/v1/messages/{said}",
            {"text": "hola", "version": 0},
            "version",
            id="version-0",
        ),
        pytest.param(
            "PATCH", "/api/v1/messages/{said}", {"text": 5, "version": 1}, "text", id="edit-text"
        ),
        pytest.param(
            "PATCH", "/api/v1/channels/{ch}/members/{me}", {"muted": "yes"}, "muted", id="muted"
        ),
        pytest.param(
            "POST", "/api/v1/channels/{ch}/read", {"message_id": 5}, "message_id", id="read"
        ),
        pytest.param(
            "POST",
            "/api/v1/notifications/read",
            {"message_ids": "{said}"},
            "message_ids",
            id="ids-string",
        ),
    ],
)
async def test_wrong_types_in_messages_are_refused(
    http: AsyncClient,
    team: Team,
    said: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    """A number for the text, "true" for also_send_to_channel, "1" for the version or "yes"
    for muted gets 422 naming the field; nothing is posted, edited, muted or marked."""
    before = await conversation(http, team)
    filled = {k: said["id"] if v == "{said}" else v for k, v in body.items()}
    response = await send(http, team, method, path.replace("{said}", said["id"]), filled)
    refused(response, 422, field, "validation.invalid")
    assert await conversation(http, team) == before


@pytest.mark.parametrize(
    ("method", "path", "body", "fields"),
    [
        pytest.param(
            "POST",
            MESSAGES,
            {"text": "hola", "author_id": "01JD5Z8Q5E9V4K3M2N1P0R7S6T", "pinned": True},
            ["author_id", "pinned"],
            id="post",
        ),
        pytest.param(
            "POST", MESSAGES, {"text": "hola", "html": "<b>hola</b>"}, ["html"], id="post-html"
        ),
        pytest.param(
            "PATCH",
            "/api/v1/messages/{said}",
            {"text": "pisado", "version": 1, "deleted": True},
            ["deleted"],
            id="edit",
        ),
        pytest.param(
            "PATCH",
            "/api/v1/channels/{ch}/members/{me}",
            {"muted": True, "role": "admin"},
            ["role"],
            id="mute",
        ),
        pytest.param("POST", "/api/v1/channels/{ch}/read", {"seq": 99}, ["seq"], id="read"),
        pytest.param("POST", "/api/v1/notifications/read", {"all": True}, ["all"], id="inbox"),
    ],
)
async def test_unknown_fields_in_messages_are_refused(
    http: AsyncClient,
    team: Team,
    said: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any],
    fields: list[str],
) -> None:
    """A field the messaging API does not know (an author, raw html, a deleted flag) gets 422
    naming it, and the rest of the body is not applied either."""
    before = await conversation(http, team)
    response = await send(http, team, method, path.replace("{said}", said["id"]), body)
    for field in fields:
        refused(response, 422, field, "validation.invalid")
    assert await conversation(http, team) == before


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        pytest.param("POST", MESSAGES, {}, "text", id="post"),
        pytest.param("POST", MESSAGES, {"client_msg_id": "k-1"}, "text", id="post-key-only"),
        pytest.param("PATCH", "/api/v1/messages/{said}", {"text": "x"}, "version", id="version"),
        pytest.param("PATCH", "/api/v1/messages/{said}", {"version": 1}, "text", id="edit-text"),
        pytest.param("PATCH", "/api/v1/channels/{ch}/members/{me}", {}, "muted", id="muted"),
    ],
)
async def test_missing_message_fields_are_named(
    http: AsyncClient,
    team: Team,
    said: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    """Leaving out the text, the version or `muted` gets 422 naming it; nothing changes."""
    before = await conversation(http, team)
    response = await send(http, team, method, path.replace("{said}", said["id"]), body)
    refused(response, 422, field, "validation.invalid")
    assert await conversation(http, team) == before


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("con espacios", id="spaces"),
        pytest.param(" k-1", id="leading-space"),
        pytest.param("k" * 65, id="65-characters"),
        pytest.param("", id="empty"),
        pytest.param("k/1?x=1", id="slash-and-query"),
        pytest.param("k\n1", id="newline"),
        pytest.param("clé-ñ", id="non-ascii"),
    ],
)
async def test_bad_client_msg_ids_are_refused(http: AsyncClient, team: Team, key: str) -> None:
    """An idempotency key with spaces, other characters or 65 characters gets 422 naming
    client_msg_id, and nothing is posted."""
    before = await conversation(http, team)
    response = await send(http, team, "POST", MESSAGES, {"text": "hola", "client_msg_id": key})
    refused(response, 422, "client_msg_id")
    assert await conversation(http, team) == before


async def test_a_client_msg_id_of_64_characters_is_accepted(http: AsyncClient, team: Team) -> None:
    """The longest key allowed works, and the retry finds the same message."""
    body = {"text": "hola", "client_msg_id": "k" * 64}
    first = ok(await send(http, team, "POST", MESSAGES, body), 201)
    again = ok(await send(http, team, "POST", MESSAGES, body), 200)
    assert again["id"] == first["id"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        pytest.param(MESSAGES, {"text": "hola", "thread_root_id": "nope"}, "thread_root_id"),
        pytest.param(
            MESSAGES,
            {"text": "hola", "thread_root_id": "'; DROP TABLE messages;--"},
            "thread_root_id",
            id="sql-root",
        ),
        pytest.param(
            MESSAGES,
            {"text": "hola", "thread_root_id": "01jd5z8q5e9v4k3m2n1p0r7s6t"},
            "thread_root_id",
            id="lowercase-root",
        ),
        pytest.param("/api/v1/channels/{ch}/read", {"message_id": "nope"}, "message_id"),
        pytest.param(
            "/api/v1/channels/{ch}/read", {"thread_root_id": "nope"}, "thread_root_id", id="thr"
        ),
        pytest.param("/api/v1/notifications/read", {"message_ids": ["nope"]}, "message_ids[0]"),
    ],
)
async def test_ids_in_message_bodies_that_are_not_ids_are_refused(
    http: AsyncClient, team: Team, said: dict[str, Any], path: str, body: object, field: str
) -> None:
    """A thread_root_id or message_id that is not an id gets 422 naming it; no reply appears
    and no marker moves."""
    before = await conversation(http, team)
    refused(await send(http, team, "POST", path, body), 422, field)
    assert await conversation(http, team) == before


async def test_a_reply_to_a_reply_is_refused(http: AsyncClient, team: Team) -> None:
    """Threads are one level deep: a reply to a reply gets 422 naming thread_root_id, and the
    thread does not grow."""
    root = ok(await send(http, team, "POST", MESSAGES, {"text": "raíz"}), 201)
    reply = ok(
        await send(http, team, "POST", MESSAGES, {"text": "r", "thread_root_id": root["id"]}), 201
    )
    before = await conversation(http, team)
    response = await send(
        http, team, "POST", MESSAGES, {"text": "anidada", "thread_root_id": reply["id"]}
    )
    refused(response, 422, "thread_root_id", "message.nested_thread")
    assert await conversation(http, team) == before


async def test_a_reply_to_a_message_of_another_channel_is_a_404(
    http: AsyncClient, team: Team
) -> None:
    """A thread_root_id naming a message of another channel gets 404 message.not_found: no
    reply appears in either channel and the other message grows no thread."""
    other = await channel(http, team.ws["id"], team.ana, "otro")
    elsewhere = ok(
        await http.post(
            f"/api/v1/channels/{other['id']}/messages",
            json={"text": "allí"},
            headers=team.ana.headers,
        ),
        201,
    )
    before = await conversation(http, team)
    response = await send(
        http, team, "POST", MESSAGES, {"text": "cruzada", "thread_root_id": elsewhere["id"]}
    )
    refused(response, 404, code="message.not_found")
    assert await conversation(http, team) == before


@pytest.mark.parametrize(
    "emoji",
    [
        pytest.param("a" * 65, id="65-letters"),
        pytest.param(":" + "a" * 63 + ":", id="65-character-shortcode"),
        pytest.param("%F0%9F%91%8D" * 17, id="17-thumbs"),
        pytest.param("%00", id="nul"),
        pytest.param("%ED%A0%80", id="lone-surrogate-bytes"),
        pytest.param("%FF%FE", id="not-utf8"),
        pytest.param("%20", id="space"),
        pytest.param(":nope_nope:", id="unknown-shortcode"),
        pytest.param("'; DROP TABLE reactions;--", id="sql"),
    ],
)
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_bad_emoji_in_the_reaction_path_are_refused(
    http: AsyncClient, team: Team, said: dict[str, Any], emoji: str, method: str
) -> None:
    """An emoji path segment of 65 characters, a NUL, bytes that are not UTF-8 or something
    that is no emoji gets 422 naming `emoji` (never a 500), and no reaction appears."""
    before = await conversation(http, team)
    response = await http.request(
        method, f"/api/v1/messages/{said['id']}/reactions/{emoji}", headers=team.ana.headers
    )
    refused(response, 422, "emoji")
    assert await conversation(http, team) == before


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"before": "nope"}, id="before-not-an-id"),
        pytest.param({"after": "'; DROP TABLE messages;--"}, id="after-sql"),
        pytest.param({"around": "%00"}, id="around-nul"),
        pytest.param({"before": "ZZZZZZZZZZZZZZZZZZZZZZZZZZ"}, id="before-no-such"),
        pytest.param({"limit": "0"}, id="limit-0"),
        pytest.param({"limit": "201"}, id="limit-201"),
        pytest.param({"limit": "abc"}, id="limit-abc"),
    ],
)
async def test_bad_history_parameters_are_422(
    http: AsyncClient, team: Team, said: dict[str, Any], params: dict[str, str]
) -> None:
    """A history cursor that is not a message of the channel, or a page size out of range, gets
    422 naming the parameter, never a 500 or a page that pretends it was fine."""
    response = await http.get(team.path(MESSAGES), params=params, headers=team.ana.headers)
    refused(response, 422, next(iter(params)))


# search --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "code"),
    [
        pytest.param("", "search.empty", id="empty"),
        pytest.param("   ", "search.empty", id="blank"),
        pytest.param("-solo -esto", "search.only_exclusions", id="only-exclusions"),
        pytest.param("before:ayer", "search.date", id="not-a-date"),
        pytest.param("on:2026-02-30", "search.date", id="not-a-day"),
        pytest.param("after:2026-05-01 before:2026-04-01", "search.date_range", id="range"),
        pytest.param("has:gif", "search.operator_value", id="unknown-has"),
        pytest.param("from:", "search.operator_value", id="operator-without-value"),
        pytest.param("x" * 501, "search.too_long", id="too-long"),
        pytest.param("x" * 2001, "search.too_long", id="far-too-long"),
        pytest.param("x" * 60_000, "search.too_long", id="a-pasted-blob"),
        pytest.param(" ".join(["w"] * 33), "search.too_many_terms", id="too-many-terms"),
        pytest.param("after:9999-12-31", "search.date", id="past-the-last-day"),
        pytest.param("hola on:0001-01-01", "search.date", id="before-the-first-day"),
        pytest.param("to:@ana", "search.operator_unsupported", id="operator-of-another-tool"),
        pytest.param("hola -before:2026-01-01", "search.operator_unsupported", id="negated-date"),
        pytest.param("a\x01b", "search.control_character", id="control-character"),
        pytest.param("***", "search.empty", id="stars-only"),
        pytest.param("%_\\ %%", "search.no_words", id="punctuation-only"),
    ],
)
async def test_a_search_that_cannot_be_read_is_a_400_saying_how(
    http: AsyncClient, team: Team, q: str, code: str
) -> None:
    """A query that breaks the search language gets a 400 naming `q` with a fix, never a
    database error; the next search works."""
    response = await http.get(
        team.path("/api/v1/workspaces/{ws}/search"), params={"q": q}, headers=team.ana.headers
    )
    body = problem(response, 400, code)
    assert body["errors"][0]["field"] == "q"
    assert body["errors"][0]["message"]
    ok(
        await http.get(
            team.path("/api/v1/workspaces/{ws}/search"),
            params={"q": "hola"},
            headers=team.ana.headers,
        )
    )


async def test_a_search_over_the_length_limit_is_one_answer_whatever_its_length(
    http: AsyncClient, team: Team
) -> None:
    """One character over the limit or sixty thousand (about what a client can put in a
    URL): the same 400 and the same sentence, for messages and for files."""
    for path in ("/api/v1/workspaces/{ws}/search", "/api/v1/workspaces/{ws}/search/files"):
        answers = [
            problem(
                await http.get(team.path(path), params={"q": q}, headers=team.ana.headers),
                400,
                "search.too_long",
            )
            for q in ("x" * 501, "é" * 2001, "x " * 30_000)
        ]
        assert len({a["detail"] for a in answers}) == 1, path


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="no-q"),
        pytest.param({"q": "hola", "sort": "best"}, id="unknown-sort"),
        pytest.param({"q": "hola", "limit": "0"}, id="limit-0"),
        pytest.param({"q": "hola", "limit": "201"}, id="limit-201"),
        pytest.param({"q": "hola", "cursor": "Zm9v!!"}, id="garbage-cursor"),
        pytest.param({"q": "hola", "cursor": base64.urlsafe_b64encode(b"5").decode()}, id="short"),
        pytest.param({"q": "hola", "cursor": "A" * 513}, id="long-cursor"),
    ],
)
async def test_search_parameters_out_of_bounds_are_422(
    http: AsyncClient, team: Team, params: dict[str, str]
) -> None:
    response = await http.get(
        team.path("/api/v1/workspaces/{ws}/search"), params=params, headers=team.ana.headers
    )
    problem(response, 422)


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        pytest.param({"kind": "executable"}, 422, None, id="unknown-kind"),
        pytest.param({"kind": ["pdf"] * 10}, 422, None, id="too-many-kinds"),
        pytest.param({"limit": "0"}, 422, None, id="limit-0"),
        pytest.param({"limit": "201"}, 422, None, id="limit-201"),
        pytest.param({"cursor": "Zm9v!!"}, 422, "cursor.invalid", id="garbage-cursor"),
        pytest.param({"cursor": "A" * 513}, 422, None, id="long-cursor"),
        pytest.param({"q": "x" * 501}, 400, "search.too_long", id="q-over-500"),
        pytest.param({"q": "x" * 60_000}, 400, "search.too_long", id="q-a-pasted-blob"),
        pytest.param({"q": "on:9999-12-31"}, 400, "search.date", id="past-the-last-day"),
        pytest.param({"q": "informe -has:file"}, 400, "search.operator_not_for_files", id="-has"),
        pytest.param({"q": "has:link"}, 400, "search.operator_not_for_files", id="has"),
        pytest.param({"q": "is:pinned"}, 400, "search.operator_not_for_files", id="is"),
        pytest.param({"q": "on:2026-02-30"}, 400, "search.date", id="not-a-day"),
        pytest.param({"q": "-solo"}, 400, "search.only_exclusions", id="only-exclusions"),
        pytest.param({"q": "a\x01b"}, 400, "search.control_character", id="control-character"),
    ],
)
async def test_a_file_search_that_cannot_be_read_is_refused_saying_how(
    http: AsyncClient, team: Team, params: dict[str, Any], status: int, code: str | None
) -> None:
    """Bad parameters of a file search get a 4xx problem naming what to fix; the next file
    search works."""
    path = team.path("/api/v1/workspaces/{ws}/search/files")
    problem(await http.get(path, params=params, headers=team.ana.headers), status, code)
    ok(await http.get(path, params={"q": "informe"}, headers=team.ana.headers))


async def test_sql_and_wildcards_in_a_file_search_are_just_text(
    http: AsyncClient, team: Team
) -> None:
    """LIKE wildcards and SQL quotes in a file search are text: words among them find only
    names with those words; punctuation alone is a 400, never every file."""
    path = team.path("/api/v1/workspaces/{ws}/search/files")
    upload = await http.post(
        team.path("/api/v1/workspaces/{ws}/files"),
        files={"file": ("informe.pdf", PDF, "application/pdf")},
        headers=team.ana.headers,
    )
    ok(upload, 201)
    for q in ["' OR 1=1 --", "d%v", "DROP TABLE files", "info_rme", "informe.exe"]:
        found = ok(await http.get(path, params={"q": q}, headers=team.ana.headers))
        assert found["items"] == [], q
    for q in ["%", "_", "%_%", "\\", "#@"]:
        problem(
            await http.get(path, params={"q": q}, headers=team.ana.headers), 400, "search.no_words"
        )
    for q in ["*", '"', '""', "' --"]:
        problem(
            await http.get(path, params={"q": q}, headers=team.ana.headers), 400, "search.empty"
        )
    found = ok(await http.get(path, params={"q": "informe"}, headers=team.ana.headers))
    assert [hit["file"]["name"] for hit in found["items"]] == ["informe.pdf"]


async def test_sql_and_engine_syntax_in_a_search_is_just_text(
    http: AsyncClient, team: Team
) -> None:
    """What would break a MATCH or a tsquery ("e-mail", a stray quote, a bare AND, NEAR,
    quotes of SQL) is searched as words."""
    text = "e-mail AND NEAR 'quoted' " + " ".join(SQL_TEXTS)
    ok(
        await http.post(
            team.path("/api/v1/channels/{ch}/messages"),
            json={"text": text},
            headers=team.ana.headers,
        ),
        201,
    )
    for q in ["e-mail", '"AND', "AND", "NEAR(", "'quoted'", *SQL_TEXTS[:2], "DROP TABLE users"]:
        response = await http.get(
            team.path("/api/v1/workspaces/{ws}/search"), params={"q": q}, headers=team.ana.headers
        )
        found = ok(response)
        assert [item["message"]["text"] for item in found["items"]] == [text], q


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="no-q"),
        pytest.param({"q": "x" * 101}, id="q-over-100"),
        pytest.param({"q": "ana", "limit": "0"}, id="limit-0"),
        pytest.param({"q": "ana", "limit": "51"}, id="limit-51"),
        pytest.param({"q": "ana\x00"}, id="nul"),
    ],
)
async def test_quick_switcher_parameters_out_of_bounds_are_422(
    http: AsyncClient, team: Team, params: dict[str, str]
) -> None:
    response = await http.get(
        team.path("/api/v1/workspaces/{ws}/autocomplete"), params=params, headers=team.ana.headers
    )
    problem(response, 422)


async def test_the_quick_switcher_takes_any_text(http: AsyncClient, team: Team) -> None:
    """Wildcards and quotes of SQL are typed text: they match nothing, and break nothing."""
    for q in ["%", "_", "' OR 1=1 --", "d%v", "\\", "de_"]:
        response = await http.get(
            team.path("/api/v1/workspaces/{ws}/autocomplete"),
            params={"q": q},
            headers=team.ana.headers,
        )
        found = ok(response)
        assert found["users"] == [] or q == "de_", q
    found = ok(
        await http.get(
            team.path("/api/v1/workspaces/{ws}/autocomplete"),
            params={"q": "de"},
            headers=team.ana.headers,
        )
    )
    assert [c["name"] for c in found["channels"]] == ["dev"]
