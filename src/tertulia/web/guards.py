"""ASGI guards at the edge: refuse oversized bodies before any of them is read."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from tertulia.web.errors import problem

# bodies that are files, streamed to storage under the file limits (not the JSON body limit)
STREAMED = re.compile(r"^/api/v1/workspaces/[^/]+/files$")
# the parts of resumable (tus) uploads, bounded by what is left of their upload
STREAMED_PARTS = re.compile(r"^/api/v1/uploads/[^/]+$")


def streamed(scope: Scope) -> bool:
    if scope["method"] == "PATCH":
        return bool(STREAMED_PARTS.match(scope["path"]))
    return scope["method"] == "POST" and bool(STREAMED.match(scope["path"]))


class StreamedBodies:
    """Every body through `limited` (the JSON limit), except uploads, which stream."""

    def __init__(
        self, app: ASGIApp, limited: Callable[[ASGIApp, int], ASGIApp], max_bytes: int
    ) -> None:
        self.app = app
        self.limited = limited(app, max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and streamed(scope):
            await self.app(scope, receive, send)
        else:
            await self.limited(scope, receive, send)


class DeclaredBodyLimit:
    """Answer 413 (problem+json) at once when `Content-Length` declares more than the limit,
    without reading a byte. Bodies without a length (chunked) are counted as they stream by
    FastAPI's own limit, which raises the same 413 through the error handlers."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not streamed(scope):
            declared = Headers(scope=scope).get("content-length", "")
            if declared.isascii() and declared.isdigit() and int(declared) > self.max_bytes:
                response = problem(
                    None,
                    413,
                    "request.too_large",
                    f"The request body is over the limit of {self.max_bytes} bytes.",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
