"""Structured JSON logs with the request id of the request being served, if any."""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
access = logging.getLogger("tertulia.access")
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_SECRET_SEGMENT = re.compile(r"(/invitations/|^/invite/)[^/]+")


def loggable(path: str) -> str:
    """The path with the secrets some paths carry (invitation tokens, in the API's paths and
    in the client's invitation page) blanked out."""
    return _SECRET_SEGMENT.sub(r"\1…", path)


_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class RequestContext:
    """Gives each request an id (the client's `X-Request-ID` if sane, else a new one), echoes
    it in the response, sets safe default headers (nosniff, no referrer), and logs one line
    per request. Neither the query string nor secrets in the path (invitation tokens) are
    logged."""

    def __init__(
        self, app: ASGIApp, observe: Callable[[str, str, int, float], None] | None = None
    ) -> None:
        self.app = app
        self.observe = observe  # (method, route template, status, seconds): for /metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        rid = incoming if _INCOMING_ID.match(incoming) else secrets.token_hex(8)
        token = request_id.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                named = {name.lower() for name, _ in headers}
                if b"x-content-type-options" not in named:
                    headers.append((b"x-content-type-options", b"nosniff"))
                # no address of ours (invitation links, signed downloads) leaks to a link's site
                if b"referrer-policy" not in named:
                    headers.append((b"referrer-policy", b"no-referrer"))
                # API answers are not cached, unless one says how (a file's bytes)
                if scope["path"].startswith("/api/") and b"cache-control" not in named:
                    headers.append((b"cache-control", b"no-store"))
                # where the caller stands against the limit this request counted against,
                # unless the response names the one that refused it
                limited = scope["state"].get("rate_limit_headers")
                if limited and b"ratelimit-limit" not in named:
                    headers.extend(limited)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            seconds = time.perf_counter() - started
            if self.observe is not None:
                route = scope.get("route")  # set by the router: the path's template
                self.observe(scope["method"], getattr(route, "path", "unmatched"), status, seconds)
            client = scope.get("client")
            access.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": loggable(scope["path"]),
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": client[0] if client else None,
                    "user_id": scope["state"].get("user_id"),
                },
            )
            request_id.reset(token)
