"""The API is documented to the last field: /docs and /openapi.json describe everything."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from tertulia.bootstrap import create_app
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
