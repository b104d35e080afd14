"""HTTP/1.1 as uvicorn speaks it (httptools), with two changes at the edge of what it can read.

- An address over 65,535 bytes is past what httptools can split into path and query: its query
  is cut to fit and the request goes on to the app, which refuses it the way it refuses any
  value over its limit (a search query of 70,000 characters is the same 400 `search.too_long`
  as one of 501), instead of uvicorn's plain-text "Invalid HTTP request received."
- A request that cannot be read at all gets a problem+json 400, as every other error does.
"""

from __future__ import annotations

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_URL = 65_535  # httptools.parse_url keeps offsets in 16 bits


def fitting(url: bytes) -> bytes:
    """The address, its query cut (at a parameter's edge if one is near) to fit MAX_URL."""
    if len(url) <= MAX_URL:
        return url
    path, mark, query = url.partition(b"?")
    if not mark or len(path) >= MAX_URL:
        return url  # a path that long: unreadable, answered 400 below
    kept = query[: MAX_URL - len(path) - 1]
    # a %XX escape cut in half would make the rest unreadable
    tail = kept[-2:]
    if b"%" in tail:
        kept = kept[: len(kept) - 2 + tail.index(b"%")]
    return path + b"?" + kept


UNREADABLE = orjson.dumps(
    {
        "type": "urn:tertulia:problem:request.unreadable",
        "title": "Bad Request",
        "status": 400,
        "code": "request.unreadable",
        "detail": "The request is not HTTP/1.1 this server can read.",
    }
)


class ProblemHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, reading over-long addresses and answering what it cannot
    read as problem+json (see the module's doc)."""

    def on_headers_complete(self) -> None:
        self.url = fitting(self.url)
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        content = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: application/problem+json\r\n",
                b"content-length: " + str(len(UNREADABLE)).encode("ascii") + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                UNREADABLE,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()
