"""Errors as RFC 9457 problem documents, and the one table mapping domain errors to statuses."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from tertulia.domain.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    Invalid,
    Malformed,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthenticated,
    Unavailable,
    Unsupported,
)
from tertulia.usecases.messaging import StaleEdit
from tertulia.web.logs import loggable
from tertulia.web.problems import PROBLEM
from tertulia.web.schemas.messages import MessageOut

log = logging.getLogger("tertulia.web")

STATUS: dict[type[DomainError], int] = {
    Malformed: 400,
    Invalid: 422,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    Unsupported: 415,
    RateLimited: 429,
    Unavailable: 503,
}


def status_of(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def problem(
    request: Request | None,
    status: int,
    code: str,
    detail: str,
    errors: tuple[FieldError, ...] | list[dict[str, str]] = (),
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """A problem+json response with a stable code and the request id."""
    body: dict[str, Any] = {
        "type": f"urn:tertulia:problem:{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
        request_id = getattr(request.state, "request_id", None)
        if request_id:
            body["request_id"] = request_id
    body.update(extra or {})
    if errors:
        body["errors"] = [
            {"field": e.field, "code": e.code, "message": e.message}
            if isinstance(e, FieldError)
            else e
            for e in errors
        ]
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM, headers=headers)


def _field(loc: tuple[int | str, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


async def on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    extra: dict[str, Any] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
        extra["retry_after"] = exc.retry_after  # the body says how long to wait, too
        if exc.limit:
            headers["RateLimit-Limit"] = str(exc.limit)
            headers["RateLimit-Remaining"] = "0"
            headers["RateLimit-Reset"] = str(exc.retry_after)
    if isinstance(exc, Unavailable):
        headers["Retry-After"] = str(exc.retry_after)
    errors = exc.errors if isinstance(exc, Invalid) else ()
    if isinstance(exc, StaleEdit):  # the client needs what it should have edited
        extra["current"] = MessageOut.of(exc.view).model_dump(mode="json")
    return problem(request, status, exc.code, exc.detail, errors, headers, extra)


def _json_declared(request: Request) -> bool:
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not _json_declared(request) and any(
        e.get("loc", ())[:1] == ("body",) and e.get("type") != "missing" for e in exc.errors()
    ):
        # FastAPI reads a body as JSON only when it says it is (curl -d says it is a form)
        return problem(
            request,
            415,
            "request.content_type",
            "Send the body as JSON, with the header Content-Type: application/json.",
        )
    errors = []
    for error in exc.errors():
        kind = str(error.get("type", "invalid"))
        if kind in ("json_invalid", "json_type"):
            return problem(
                request,
                400,
                "request.malformed_json",
                "The body is not valid JSON.",
            )
        errors.append(
            {
                "field": _field(tuple(error.get("loc", ()))),
                "code": f"validation.{kind}",
                "message": str(error.get("msg", "Invalid value.")),
            }
        )
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return problem(
        request, 422, "validation.invalid", f"Some fields are not valid: {fields}.", errors
    )


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    phrase = HTTPStatus(status).phrase
    code = "http." + phrase.lower().replace(" ", "_").replace("-", "_")
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else phrase + "."
    headers = dict(exc.headers or {})
    if status == 405:  # Starlette names the methods of one route; the path may have more
        allowed = allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        detail = f"{request.method} is not allowed here; use {', '.join(allowed)}."
    elif status == 413:
        code, detail = "request.too_large", "The request body is over the size limit."
    elif status == 400:  # FastAPI's answer to a body it could not decode (e.g. not UTF-8)
        code, detail = "request.malformed_json", "The body is not valid UTF-8 JSON."
    return problem(request, status, code, detail, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path answers."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET", "type": "http"})
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


async def on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", extra={"path": loggable(request.url.path)})
    return problem(
        request, 500, "internal", "Something went wrong on our side; the error is logged."
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
