"""The API is documented to the last field: /docs and /openapi.json describe everything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from tertulia.bootstrap import create_app
from tertulia.domain import attachments, channels, messages, text, users, workspaces
from tertulia.usecases import search, searchquery
from tertulia.web.problems import CATALOGUE
from tests.conftest import settings_for

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
DOCUMENTED_PATHS = {  # the public paths of ../shared/API.md that exist so far
    "/api/v1/auth/register",
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/auth/logout",
    "/api/v1/users/me",
    "/api/v1/users/{user_id}",
    "/api/v1/workspaces",
    "/api/v1/workspaces/{workspace_id}",
    "/api/v1/workspaces/{workspace_id}/members",
    "/api/v1/workspaces/{workspace_id}/invitations",
    "/api/v1/invitations/{token}",
    "/api/v1/invitations/{token}/accept",
    "/api/v1/workspaces/{workspace_id}/members/{user_id}",
    "/api/v1/workspaces/{workspace_id}/channels",
    "/api/v1/workspaces/{workspace_id}/dms",
    "/api/v1/channels/{channel_id}",
    "/api/v1/channels/{channel_id}/members",
    "/api/v1/channels/{channel_id}/members/{user_id}",
    "/healthz",
    "/readyz",
}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app: FastAPI = create_app(
        settings_for("sqlite+aiosqlite:////nonexistent.db", tmp_path_factory.mktemp("spec"))
    )
    return app.openapi()


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in HTTP_METHODS
    ]


def test_every_public_path_of_the_contract_is_served(spec: dict[str, Any]) -> None:
    """Clients written against API.md find every path it promises (so far)."""
    assert set(spec["paths"]) >= DOCUMENTED_PATHS


def test_every_operation_has_a_summary_a_description_and_its_errors(spec: dict[str, Any]) -> None:
    """Each endpoint in /docs says what it does and lists the problems it can answer with."""
    for method, path, op in _operations(spec):
        name = f"{method.upper()} {path}"
        assert op.get("summary"), name
        assert op.get("description"), name
        errors = {code for code in op["responses"] if code.startswith(("4", "5"))}
        if path.startswith("/api/"):
            assert errors, name
        for code in errors:
            content = op["responses"][code].get("content", {})
            assert "application/problem+json" in content, f"{name} {code}"
        if "requestBody" in op:
            assert {"400", "413", "422"} <= errors, name
        if op.get("security"):
            assert "401" in errors, name


def test_every_field_has_a_description_and_an_example(spec: dict[str, Any]) -> None:
    """Every field of every request and response body says what it is, with an example."""
    missing = []
    for name, schema in spec["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            if "description" not in prop:
                missing.append(f"{name}.{field}: description")
            nested = "$ref" in prop or "$ref" in prop.get("items", {})
            if not nested and "examples" not in prop and "example" not in prop:
                missing.append(f"{name}.{field}: example")
    assert missing == []


def test_requests_and_errors_are_described_as_problem_documents(spec: dict[str, Any]) -> None:
    """Errors are documented with the Problem schema (RFC 9457), not FastAPI's default, and
    FastAPI's own validation error shapes (which the API never sends) are gone."""
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "code", "detail"} <= set(problem["required"])
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for method, path, op in _operations(spec):
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                schema = response["content"]["application/problem+json"]["schema"]
                assert schema["allOf"][0]["$ref"].endswith("/Problem"), f"{method} {path} {status}"


def test_every_error_names_each_code_it_can_carry(spec: dict[str, Any]) -> None:
    """Each error status of each operation lists its problem codes: in the description that
    /docs shows, as `x-problem-codes`, and as the enum of `code` that a client can check; each
    code is in the catalogue, which says what it means."""
    for method, path, op in _operations(spec):
        for status, response in op["responses"].items():
            if not status.startswith(("4", "5")):
                continue
            name = f"{method.upper()} {path} {status}"
            codes = response["x-problem-codes"]
            assert codes, name
            enum = response["content"]["application/problem+json"]["schema"]["allOf"][1]
            assert enum["properties"]["code"]["enum"] == codes, name
            for code in codes:
                assert code in CATALOGUE, f"{name}: {code} is not in the catalogue"
                assert f"`{code}`" in response["description"], name


def test_what_every_operation_of_a_kind_answers_is_documented(spec: dict[str, Any]) -> None:
    """A token it needs: 401 with the auth codes; a JSON body it reads: 400, 413 and 415;
    parameters or a body it checks: 422; a limit it counts against: 429 (with its headers)."""
    for method, path, op in _operations(spec):
        name = f"{method.upper()} {path}"
        codes = {s: set(r.get("x-problem-codes", ())) for s, r in op["responses"].items()}
        if op.get("security"):
            assert {"auth.missing_token", "auth.token_expired"} <= codes["401"], name
        if "application/json" in op.get("requestBody", {}).get("content", {}):
            assert "request.malformed_json" in codes["400"], name
            assert "request.too_large" in codes["413"], name
            assert "request.content_type" in codes["415"], name
        if op.get("parameters") or "requestBody" in op:
            assert "validation.invalid" in codes.get("422", set()), name
        if "429" in codes:
            assert "Retry-After" in op["responses"]["429"]["headers"], name


def test_endpoints_that_need_a_token_say_so(spec: dict[str, Any]) -> None:
    """/docs shows the lock on every endpoint that needs a token, and only on those."""
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    secured = {(method, path) for method, path, op in _operations(spec) if op.get("security")}
    assert ("get", "/api/v1/users/me") in secured
    assert ("post", "/api/v1/channels/{channel_id}/messages") in secured
    for open_path in ("/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/auth/refresh"):
        assert ("post", open_path) not in secured
    assert ("get", "/healthz") not in secured


# What each limit of a request is, as the rules that enforce it state it. A limit the schema
# states that is not here fails the test below: say which rule it is, or that the schema is
# the only rule (`SCHEMA_ONLY`).
ENFORCED: dict[tuple[str, str, str], int] = {
    ("RegisterIn", "username", "maxLength"): text.USERNAME_MAX,
    ("RegisterIn", "password", "maxLength"): users.PASSWORD_MAX,
    ("RegisterIn", "display_name", "maxLength"): users.DISPLAY_NAME_MAX,
    ("LoginIn", "password", "maxLength"): users.PASSWORD_MAX,
    ("ProfileIn", "display_name", "maxLength"): users.DISPLAY_NAME_MAX,
    ("ProfileIn", "title", "maxLength"): users.TITLE_MAX,
    ("ProfileIn", "password", "maxLength"): users.PASSWORD_MAX,
    ("ProfileIn", "current_password", "maxLength"): users.PASSWORD_MAX,
    ("WorkspaceIn", "name", "maxLength"): workspaces.NAME_MAX,
    ("WorkspaceIn", "slug", "maxLength"): text.SLUG_MAX,
    ("WorkspaceIn", "description", "maxLength"): workspaces.DESCRIPTION_MAX,
    ("WorkspacePatch", "name", "maxLength"): workspaces.NAME_MAX,
    ("WorkspacePatch", "description", "maxLength"): workspaces.DESCRIPTION_MAX,
    ("InvitationIn", "max_uses", "maximum"): workspaces.INVITATION_MAX_USES,
    ("InvitationIn", "expires_in_hours", "maximum"): workspaces.INVITATION_MAX_DAYS * 24,
    ("ChannelIn", "name", "maxLength"): text.CHANNEL_NAME_MAX,
    ("ChannelIn", "topic", "maxLength"): channels.TOPIC_MAX,
    ("ChannelIn", "purpose", "maxLength"): channels.PURPOSE_MAX,
    ("ChannelPatch", "name", "maxLength"): text.CHANNEL_NAME_MAX,
    ("ChannelPatch", "topic", "maxLength"): channels.TOPIC_MAX,
    ("ChannelPatch", "purpose", "maxLength"): channels.PURPOSE_MAX,
    ("DmIn", "user_ids", "maxItems"): channels.DM_MAX_PEOPLE - 1,  # you are the ninth
    ("MessageIn", "text", "maxLength"): messages.DEFAULT_MAX_LENGTH,
    ("MessageIn", "client_msg_id", "maxLength"): messages.CLIENT_MSG_ID_MAX,
    ("MessageIn", "file_ids", "maxItems"): attachments.MAX_FILES_PER_MESSAGE,
    ("MessageEditIn", "text", "maxLength"): messages.DEFAULT_MAX_LENGTH,
}
SCHEMA_ONLY = {  # limits no other rule has: the schema's validation is the rule
    ("LoginIn", "login", "maxLength"),  # a username or an email address, whichever is longer
    ("RefreshIn", "refresh_token", "maxLength"),
    ("ProfileIn", "timezone", "maxLength"),  # then it must name an IANA zone
    ("InvitationIn", "channel_ids", "maxItems"),
    ("NotificationsReadIn", "message_ids", "maxItems"),
}


def _limits(schema: dict[str, Any]) -> dict[str, int]:
    found = {}
    for option in schema.get("anyOf", [schema]):
        for key in ("maxLength", "maxItems", "maximum"):
            if key in option:
                found[key] = option[key]
    return found


def test_the_documented_limits_are_the_enforced_ones(spec: dict[str, Any]) -> None:
    """A client that keeps to the limits /docs states is never refused for a length the
    server checks differently: each is the number the rules enforce."""
    stated = {
        (name, field, key): value
        for name, schema in spec["components"]["schemas"].items()
        if name.endswith(("In", "Patch"))
        for field, prop in schema.get("properties", {}).items()
        for key, value in _limits(prop).items()
    }
    assert {k: v for k, v in stated.items() if k not in SCHEMA_ONLY} == ENFORCED
    assert set(stated) >= SCHEMA_ONLY
    for path, limit in (
        ("/search", searchquery.MAX_LENGTH),
        ("/search/files", searchquery.MAX_LENGTH),
        ("/autocomplete", search.AUTOCOMPLETE_MAX),
    ):
        operation = spec["paths"][f"/api/v1/workspaces/{{workspace_id}}{path}"]["get"]
        q = next(p for p in operation["parameters"] if p["name"] == "q")
        assert _limits(q["schema"]) == {"maxLength": limit}, path


def test_the_document_states_the_configured_limits(tmp_path: Path) -> None:
    """A server configured for shorter messages or smaller files says so in /openapi.json."""
    app = create_app(
        settings_for(
            "sqlite+aiosqlite:////nonexistent.db",
            tmp_path,
            max_message_length=500,
            file_max_bytes=2048,
        )
    )
    spec = app.openapi()
    schemas = spec["components"]["schemas"]
    assert schemas["MessageIn"]["properties"]["text"]["maxLength"] == 500
    assert schemas["MessageEditIn"]["properties"]["text"]["maxLength"] == 500
    create = spec["paths"]["/api/v1/workspaces/{workspace_id}/uploads"]["post"]
    length = next(p for p in create["parameters"] if p["name"] == "Upload-Length")
    assert length["schema"]["maximum"] == 2048


def test_resumable_uploads_document_their_headers_and_empty_bodies(spec: dict[str, Any]) -> None:
    """A tus client generated from /openapi.json sends `Tus-Resumable`, `Upload-Length`,
    `Upload-Metadata` and `Upload-Offset`, reads `Location` and `Upload-Offset` back, and
    expects no body where none comes."""
    paths = spec["paths"]
    create = paths["/api/v1/workspaces/{workspace_id}/uploads"]["post"]
    head = paths["/api/v1/uploads/{upload_id}"]["head"]
    patch = paths["/api/v1/uploads/{upload_id}"]["patch"]
    delete = paths["/api/v1/uploads/{upload_id}"]["delete"]

    def headers_in(op: dict[str, Any]) -> dict[str, bool]:
        return {p["name"]: p["required"] for p in op["parameters"] if p["in"] == "header"}

    assert headers_in(create) == {
        "Tus-Resumable": True,
        "Upload-Length": True,
        "Upload-Metadata": False,
    }
    assert headers_in(head) == headers_in(delete) == {"Tus-Resumable": True}
    assert headers_in(patch) == {"Tus-Resumable": True, "Upload-Offset": True}
    assert list(patch["requestBody"]["content"]) == ["application/offset+octet-stream"]
    assert "requestBody" not in create
    for op, status in ((create, "201"), (head, "200"), (patch, "204"), (delete, "204")):
        assert "content" not in op["responses"][status]
        for answer in op["responses"].values():
            assert answer["headers"]["Tus-Resumable"]["required"]
    assert create["responses"]["201"]["headers"]["Location"]["required"]
    assert {"Upload-Offset", "Upload-Length"} <= set(head["responses"]["200"]["headers"])
    assert "Upload-Offset" in patch["responses"]["204"]["headers"]
    assert "Tus-Version" in create["responses"]["412"]["headers"]


def test_downloads_document_their_bytes_and_their_redirect(spec: dict[str, Any]) -> None:
    """A download answers the file's own type (not JSON), and its 302 says where to go."""
    for path in ("/api/v1/files/{file_id}/content", "/api/v1/files/{file_id}/thumbnails/{size}"):
        responses = spec["paths"][path]["get"]["responses"]
        assert list(responses["200"]["content"]) == ["*/*"]
        assert list(responses["206"]["content"]) == ["*/*"]
        assert "Content-Range" in responses["206"]["headers"]
        assert "content" not in responses["302"]
        assert responses["302"]["headers"]["Location"]["required"]
        assert "content" not in responses["304"]


def test_every_operation_has_a_name_of_its_own(spec: dict[str, Any]) -> None:
    """A generated client calls each operation by a short name of its own (`channels_create`),
    none twice."""
    names = [op["operationId"] for _, _, op in _operations(spec)]
    assert len(names) == len(set(names))
    assert "accounts_register" in names
    assert all("api_v1" not in name for name in names)
