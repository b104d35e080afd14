"""ASGI guards at the edge: refuse oversized bodies before any of them is read."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from tertulia.web.errors import problem


class DeclaredBodyLimit:
    """Answer 413 (problem+json) at once when `Content-Length` declares more than the limit,
    without reading a byte. Bodies without a length (chunked) are counted as they stream by
    FastAPI's own limit, which raises the same 413 through the error handlers."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = Headers(scope=scope).get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                response = problem(
                    None,
                    413,
                    "request.too_large",
                    f"The request body is over the limit of {self.max_bytes} bytes.",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
