"""The API is documented to the last field: /docs and /openapi.json describe everything."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from tertulia.bootstrap import create_app
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
        if name in {"HTTPValidationError", "ValidationError"}:
            continue
        for field, prop in schema.get("properties", {}).items():
            if "description" not in prop:
                missing.append(f"{name}.{field}: description")
            nested = "$ref" in prop or "$ref" in prop.get("items", {})
            if not nested and "examples" not in prop and "example" not in prop:
                missing.append(f"{name}.{field}: example")
    assert missing == []


def test_requests_and_errors_are_described_as_problem_documents(spec: dict[str, Any]) -> None:
    """Errors are documented with the Problem schema (RFC 9457), not FastAPI's default."""
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "code", "detail"} <= set(problem["required"])
    for method, path, op in _operations(spec):
        for code, response in op["responses"].items():
            if code.startswith("4") and code in ("401", "403", "404", "409", "422", "429"):
                ref = response["content"]["application/problem+json"]["schema"]["$ref"]
                assert ref.endswith("/Problem"), f"{method} {path} {code}"


def test_endpoints_that_need_a_token_say_so(spec: dict[str, Any]) -> None:
    """/docs shows the lock on every endpoint that needs a token, and only on those."""
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    secured = {(method, path) for method, path, op in _operations(spec) if op.get("security")}
    assert ("get", "/api/v1/users/me") in secured
    assert ("post", "/api/v1/channels/{channel_id}/messages") in secured
    for open_path in ("/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/auth/refresh"):
        assert ("post", open_path) not in secured
    assert ("get", "/healthz") not in secured
