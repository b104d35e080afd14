"""What the server answered, as the documents must say: every problem response a test sees
(operation, status, code) is recorded, so that the suite can check each against
`/openapi.json` (see `conftest.undocumented_problems`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True, slots=True)
class Answer:
    """A problem answered by an operation: `path` is the route's template."""

    method: str
    path: str
    status: int
    code: str


SEEN: list[Answer] = []


def recording(app: ASGIApp) -> ASGIApp:
    """Record each problem+json response of an operation the OpenAPI document holds."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        status = 0
        problem = False
        body = bytearray()

        async def spy(message: Message) -> None:
            nonlocal status, problem
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = dict(message.get("headers", []))
                problem = headers.get(b"content-type", b"").startswith(b"application/problem+json")
            elif message["type"] == "http.response.body" and problem:
                body.extend(message.get("body", b""))
            await send(message)

        await app(scope, receive, spy)
        route = scope.get("route")
        template = getattr(route, "path_format", None) or getattr(route, "path", None)
        methods = getattr(route, "methods", None) or ()
        documented = getattr(route, "include_in_schema", False) and scope["method"] in methods
        if problem and template and documented:
            try:
                code = str(orjson.loads(bytes(body)).get("code", ""))
            except orjson.JSONDecodeError:
                code = "<not json>"
            SEEN.append(Answer(scope["method"], str(template), status, code))

    return wrapped


_SPEC: dict[str, Any] = {}


def documented_spec() -> dict[str, Any]:
    """The app's OpenAPI document (it does not depend on the settings), built once."""
    if not _SPEC:
        from tertulia.bootstrap import create_app
        from tests.conftest import settings_for

        app = create_app(settings_for("sqlite+aiosqlite:////nonexistent.db", Path("/nonexistent")))
        _SPEC.update(app.openapi())
    return _SPEC


def undocumented(answers: list[Answer]) -> list[str]:
    """The answers that /openapi.json does not list on their operation."""
    spec = documented_spec()
    missing = []
    for a in answers:
        response = spec["paths"].get(a.path, {}).get(a.method.lower(), {}).get("responses", {})
        codes = response.get(str(a.status), {}).get("x-problem-codes", [])
        if a.code not in codes:
            missing.append(f"{a.method} {a.path} answered {a.status} {a.code}")
    return sorted(set(missing))
