"""A small, fast HTTP/1.1 load generator: keep-alive connections, one request in flight each.

httpx or aiohttp would spend more CPU per request than the server we measure; this writes
ready-made request bytes and reads just enough of each response (status, Content-Length).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Tally:
    """What a run saw: statuses and latencies (seconds) of completed requests."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0

    def add(self, status: int, latency: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(latency)

    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if 200 <= s < 300)

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:].strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


def request_bytes(method: str, path: str, host: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def run(
    host: str,
    port: int,
    connections: int,
    seconds: float,
    make_request: Callable[[int, int], bytes],
    warmup: float = 1.0,
) -> tuple[Tally, float]:
    """Each connection sends make_request(connection, n) back to back for `seconds` after a
    warm-up; returns the tally of the measured part and its duration."""
    tally = Tally()
    start = time.perf_counter() + warmup
    stop = start + seconds

    async def client(index: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        n = 0
        try:
            while True:
                sent = time.perf_counter()
                if sent >= stop:
                    return
                writer.write(make_request(index, n))
                n += 1
                try:
                    status, _ = await _read_response(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    tally.errors += 1
                    return
                done = time.perf_counter()
                if sent >= start:
                    tally.add(status, done - sent)
        finally:
            writer.close()

    await asyncio.gather(*(client(i) for i in range(connections)))
    return tally, seconds
