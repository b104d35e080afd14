"""ClamAV's daemon, clamd, as the VirusScanner: its INSTREAM command over TCP or a Unix socket.

The bytes go as chunks, each after its length (4 bytes, big-endian), ended by an empty chunk;
clamd answers `stream: OK`, `stream: NAME FOUND` or `... ERROR`. Commands use the `z` form, so
the answer ends with a NUL byte. Everything runs on asyncio streams, each step (connecting,
writing a chunk, waiting for the verdict) bounded by `timeout`: a clamd that is down, hung or
answering nonsense makes the scan raise ScannerUnavailable, never hang the event loop.

A file bigger than clamd's StreamMaxLength (25 MiB unless configured) cannot be scanned:
clamd answers `INSTREAM size limit exceeded. ERROR`, and the scan raises TooLargeToScan (a
ScannerUnavailable, so a caller that knows only that still refuses the bytes). Passing
`max_bytes` (clamd's StreamMaxLength) refuses such a file before sending it.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterable
from urllib.parse import urlsplit

from tertulia.usecases.ports import ScannerUnavailable, TooLargeToScan

DEFAULT_PORT = 3310
PIECE = 256 * 1024  # the most sent after one length prefix
MAX_REPLY = 4096  # clamd's answers are one short line


class ClamdScanner:
    """Scans bytes with clamd at `url`: tcp://HOST[:PORT] or unix:///PATH/TO/clamd.ctl."""

    def __init__(self, url: str, timeout: float = 30.0, max_bytes: int | None = None) -> None:
        parts = urlsplit(url)
        self.host: str | None = None
        self.port = DEFAULT_PORT
        self.path: str | None = None
        if parts.scheme == "tcp":
            try:
                port = parts.port
            except ValueError:
                port = -1
            if not parts.hostname or port == -1 or parts.path not in ("", "/"):
                raise ValueError(f"{url!r}: use tcp://HOST:PORT (e.g. tcp://127.0.0.1:3310).")
            self.host, self.port = parts.hostname, port or DEFAULT_PORT
        elif parts.scheme == "unix":
            if parts.netloc or not parts.path:
                raise ValueError(f"{url!r}: use unix:///PATH (e.g. unix:///run/clamav/clamd.ctl).")
            self.path = parts.path
        else:
            raise ValueError(f"{url!r}: use tcp://HOST:PORT or unix:///PATH.")
        self.url = url
        self.timeout = timeout
        self.max_bytes = max_bytes

    async def scan(self, chunks: AsyncIterable[bytes]) -> str | None:
        """The name of the threat clamd finds in the bytes, or None if it finds none."""
        reader, writer = await self._connect()
        try:
            try:
                await self._send(writer, b"zINSTREAM\0")
                sent = 0
                async for chunk in chunks:
                    for start in range(0, len(chunk), PIECE):
                        piece = chunk[start : start + PIECE]
                        sent += len(piece)
                        if self.max_bytes is not None and sent > self.max_bytes:
                            raise TooLargeToScan(f"over {self.max_bytes} bytes")
                        await self._send(writer, struct.pack(">I", len(piece)) + piece)
                await self._send(writer, struct.pack(">I", 0))
            except ConnectionError:
                pass  # clamd hangs up on a stream over its limit: its answer says why
            reply = await self._reply(reader)
        finally:
            await _close(writer)
        if reply == "stream: OK":
            return None
        if reply.startswith("stream: ") and reply.endswith(" FOUND"):
            name = reply.removeprefix("stream: ").removesuffix(" FOUND").strip()
            if name:
                return name
        if reply == "INSTREAM size limit exceeded. ERROR":
            raise TooLargeToScan("over clamd's StreamMaxLength")
        raise ScannerUnavailable(f"clamd at {self.url} answered {reply[:200]!r}")

    async def ping(self) -> None:
        """Check that clamd answers (for readiness); ScannerUnavailable if not."""
        reader, writer = await self._connect()
        try:
            await self._send(writer, b"zPING\0")
            reply = await self._reply(reader)
        finally:
            await _close(writer)
        if reply != "PONG":
            raise ScannerUnavailable(f"clamd at {self.url} answered {reply[:200]!r} to PING")

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            async with asyncio.timeout(self.timeout):
                if self.path is not None:
                    return await asyncio.open_unix_connection(self.path, limit=MAX_REPLY)
                return await asyncio.open_connection(self.host, self.port, limit=MAX_REPLY)
        except (OSError, TimeoutError) as exc:
            raise ScannerUnavailable(f"cannot reach clamd at {self.url}: {exc!r}") from exc

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        try:
            async with asyncio.timeout(self.timeout):
                await writer.drain()
        except TimeoutError as exc:
            raise ScannerUnavailable(f"clamd at {self.url} stopped reading") from exc

    async def _reply(self, reader: asyncio.StreamReader) -> str:
        try:
            async with asyncio.timeout(self.timeout):
                line = await reader.readuntil(b"\0")
        except TimeoutError as exc:
            raise ScannerUnavailable(f"clamd at {self.url} did not answer in time") from exc
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            raise ScannerUnavailable(f"clamd at {self.url} gave no answer: {exc!r}") from exc
        return line[:-1].decode("utf-8", "replace").strip()


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(Exception):  # the connection is done with either way
        async with asyncio.timeout(1):
            await writer.wait_closed()
