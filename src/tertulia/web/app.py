"""The FastAPI application: routers, error handlers, middleware and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml  # type: ignore[import-untyped]  # PyYAML ships no types
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.responses import Response
from starlette.routing import BaseRoute

from tertulia import __version__
from tertulia.web import (
    accounts,
    boot,
    channels,
    client,
    docs,
    errors,
    files,
    inbox,
    limits,
    live,
    messages,
    metrics,
    ops,
    protocol,
    reactions,
    reading,
    search,
    threads,
    tus,
    workspaces,
)
from tertulia.web.auth import AUTHENTICATING, BEARER_SCHEME
from tertulia.web.guards import DeclaredBodyLimit, StreamedBodies
from tertulia.web.logs import RequestContext
from tertulia.web.problems import Operation, document
from tertulia.web.tus import TUS_REQUEST_HEADERS, TUS_RESPONSE_HEADERS

DESCRIPTION = """
The API of **Tertulia**, an open team-chat server: accounts, workspaces, channels and direct
messages, messages with threads, reactions, mentions and read state, and real time.

**Authentication.** `POST /api/v1/auth/login` returns a short-lived access token (a JWT, 15
minutes) and a refresh token. Send the access token as `Authorization: Bearer <token>`; before
it expires, trade the refresh token at `POST /api/v1/auth/refresh` for a new pair. Refresh
tokens work once: a second use revokes the session.

**Errors** are `application/problem+json` (RFC 9457) with a stable dotted `code`, a `detail`
for people, the `request_id` to quote, and `errors` naming each invalid field.

**Lists** are cursor-paginated: pass `next_cursor` as `after` for the next page.

**Ids** are opaque 26-character strings that sort by creation time.

**Real time** is one WebSocket, `GET /api/v1/ws`, documented as AsyncAPI at
[`/asyncapi.json`](/asyncapi.json): every event and command, its fields and an example.
"""

TAGS = [
    {"name": "accounts", "description": "Register, log in, tokens, profiles."},
    {"name": "client", "description": "What a client's first screen needs, in one call."},
    {"name": "workspaces", "description": "The tenant boundary: members, roles, invitations."},
    {"name": "channels", "description": "Public and private channels, direct messages."},
    {
        "name": "messages",
        "description": "Messages, threads, reactions, pins, mentions, read state.",
    },
    {"name": "operations", "description": "Probes for load balancers and orchestrators."},
]


ROUTERS = (
    accounts,
    boot,
    workspaces,
    channels,
    messages,
    threads,
    reactions,
    reading,
    inbox,
    files,
    tus,
    search,
    ops,
    metrics,
)


def _requires_auth(dependant: Dependant) -> bool:
    """Whether a route (or any dependency of it) asks who the caller is."""
    return any(d.call in AUTHENTICATING or _requires_auth(d) for d in dependant.dependencies)


def operations(routes: Iterable[BaseRoute]) -> list[Operation]:
    """The documented operations of these routes, and what their errors depend on."""
    found = []
    for route in routes:
        if not (isinstance(route, APIRoute) and route.include_in_schema):
            continue
        params = get_flat_params(route.dependant)
        authenticated = _requires_auth(route.dependant)
        for method in sorted(route.methods or ()):
            found.append(
                Operation(
                    method,
                    route.path_format,
                    authenticated=authenticated,
                    json_body=route.body_field is not None,
                    validated=bool(params or route.body_field is not None),
                    limited=authenticated and bool(limits.actions_of(method, route.path_format)),
                )
            )
    return found


@dataclass(frozen=True, slots=True)
class WebConfig:
    max_body_bytes: int
    public_url: str
    max_message_length: int  # limits that are settings: /openapi.json states them as set
    max_file_bytes: int
    cors_origins: tuple[str, ...] = ()
    metrics_token: str | None = None  # who may read /metrics from anywhere
    client_root: Path | None = None  # the web client's files; the package's own if None
    storage_origin: str | None = None  # where S3 downloads redirect to, for the client's CSP


def name_operations(spec: dict[str, Any], routes: Iterable[BaseRoute]) -> None:
    """Name each operation after its tag and its function (`channels_create`), which is what
    a generated client calls it, rather than FastAPI's name with the path in it."""
    for route in routes:
        if isinstance(route, APIRoute) and route.include_in_schema:
            tag = route.tags[0] if route.tags else "operations"
            for method in route.methods or ():
                spec["paths"][route.path_format][method.lower()]["operationId"] = (
                    f"{tag}_{route.name}"
                )


def state_settings(spec: dict[str, Any], config: WebConfig) -> None:
    """Write the limits that are settings into the document, as this server enforces them:
    a message's length, and a resumable upload's (`Upload-Length`). What the routes declare
    is shared by every app: it is replaced here, never changed."""
    schemas = spec["components"]["schemas"]
    for name in ("MessageIn", "MessageEditIn"):
        text = {**schemas[name]["properties"]["text"], "maxLength": config.max_message_length}
        schemas[name]["properties"] = {**schemas[name]["properties"], "text": text}
    create = spec["paths"]["/api/v1/workspaces/{workspace_id}/uploads"]["post"]
    create["parameters"] = [
        {**p, "schema": {**p["schema"], "maximum": config.max_file_bytes}}
        if p["name"] == "Upload-Length"
        else p
        for p in create["parameters"]
    ]


def build_app(
    config: WebConfig,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
    figures: metrics.Metrics | None = None,
) -> FastAPI:
    """The app; `lifespan` opens the core and puts it (and the token signer) on `app.state`.
    `figures` counts requests and answers /metrics (a registry of this app's own if None)."""
    app = FastAPI(
        title="Tertulia",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url=None,  # ours, in web/docs.py: served with their files, no CDN
        redoc_url=None,
        # no OpenTelemetry here: checking for it costs every request an environment look-up
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.public_url = config.public_url
    app.state.metrics = figures = figures or metrics.Metrics()
    app.state.metrics_token = config.metrics_token
    errors.install(app)
    for module in ROUTERS:
        # the routes themselves, not an included router: FastAPI matches a request against
        # a flat list faster than through its nested-router wrappers
        app.router.routes.extend(module.router.routes)
    app.router.routes.extend(live.router.routes)
    app.router.routes.extend(docs.router.routes)
    app.state.client = client.ClientFiles(
        config.client_root or client.packaged_root(), client.policy(config.storage_origin)
    )
    app.router.routes.extend(client.router.routes)
    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "X-Request-ID",
                *TUS_REQUEST_HEADERS,
            ],
            expose_headers=[
                *TUS_RESPONSE_HEADERS,
                "X-Request-ID",
                "Retry-After",
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
            ],
        )
    # Bodies over the limit: a declared length is refused before reading (DeclaredBodyLimit,
    # outside, so that its problem+json is what the client gets); a streamed body is counted
    # as it arrives (Starlette's limiter, inside, whose 413 reaches our error handlers).
    # Uploads stream their own bodies, bounded by the file size limit and quotas.
    app.add_middleware(
        StreamedBodies, limited=RequestBodyLimitMiddleware, max_bytes=config.max_body_bytes
    )
    app.add_middleware(DeclaredBodyLimit, max_bytes=config.max_body_bytes)
    app.add_middleware(RequestContext, observe=figures.observe_request)

    def openapi() -> dict[str, Any]:
        """FastAPI's document, with every error each operation can answer (`problems`)."""
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            spec.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = (
                BEARER_SCHEME
            )
            found = operations(r for module in ROUTERS for r in module.router.routes)
            for op in found:
                if op.authenticated:
                    spec["paths"][op.path][op.method.lower()]["security"] = [{"bearer": []}]
            document(spec, found)
            state_settings(spec, config)
            name_operations(spec, (r for module in ROUTERS for r in module.router.routes))
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise

    documents: dict[str, bytes] = {}

    def asyncapi(kind: str) -> bytes:
        """The WebSocket protocol (AsyncAPI 3.0) as JSON or YAML, built once."""
        if kind not in documents:
            spec = protocol.asyncapi(config.public_url)
            documents[kind] = (
                orjson.dumps(spec)
                if kind == "json"
                else yaml.safe_dump(orjson.loads(orjson.dumps(spec)), sort_keys=False).encode()
            )
        return documents[kind]

    @app.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi_json() -> Response:
        return Response(asyncapi("json"), media_type="application/json")

    @app.get("/asyncapi.yaml", include_in_schema=False)
    async def asyncapi_yaml() -> Response:
        return Response(asyncapi("yaml"), media_type="application/yaml")

    return app
