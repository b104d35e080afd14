"""ClamAV's daemon, clamd, as the VirusScanner: its INSTREAM command over TCP or a Unix socket.

The bytes go as chunks, each after its length (4 bytes, big-endian), ended by an empty chunk;
clamd answers `stream: OK` or `stream: NAME FOUND` (a signature from a database of one's own
has a name ending in `.UNOFFICIAL`). Commands use the `z` form, so the answer ends with a NUL
byte. Each step (connecting, sending a piece, waiting for the verdict) is bounded by
`timeout`: a clamd that is down, hung or answering nonsense makes the scan raise
ScannerUnavailable, never hang the event loop.

A file bigger than clamd's StreamMaxLength (100M unless configured; Debian's clamd.conf says
25M) cannot be scanned: clamd answers `INSTREAM size limit exceeded. ERROR` as soon as a chunk
would pass it and hangs up on the rest, and the scan raises TooLargeToScan (a
ScannerUnavailable, so a caller that knows only that still refuses the bytes). That answer is
why this works on the socket itself rather than asyncio's streams: a stream that fails to send
closes its socket, and the answer already received goes with it, so a file too big to scan
would look like a scanner that is down. Passing `max_bytes` (clamd's StreamMaxLength) refuses
such a file before sending it.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from tertulia.usecases.ports.files import ScannerUnavailable, TooLargeToScan

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
        """The name of the threat clamd finds in the bytes, or None if it finds none; the
        chunks' source is closed when the scan ends, read to the end or not."""
        source = aiter(chunks)
        try:
            with await self._connect() as sock:
                failed: OSError | None = None
                try:
                    await self._send(sock, b"zINSTREAM\0")
                    sent = 0
                    async for chunk in source:
                        for start in range(0, len(chunk), PIECE):
                            piece = chunk[start : start + PIECE]
                            sent += len(piece)
                            if self.max_bytes is not None and sent > self.max_bytes:
                                raise TooLargeToScan(f"over {self.max_bytes} bytes")
                            await self._send(sock, struct.pack(">I", len(piece)) + piece)
                    await self._send(sock, struct.pack(">I", 0))
                except OSError as exc:
                    failed = exc  # clamd hangs up on a stream over its limit: its answer says why
                reply = await self._reply(sock, failed)
        finally:
            await _close(source)  # read to the end or not, the source's file is done with
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
        with await self._connect() as sock:
            failed: OSError | None = None
            try:
                await self._send(sock, b"zPING\0")
            except OSError as exc:
                failed = exc
            reply = await self._reply(sock, failed)
        if reply != "PONG":
            raise ScannerUnavailable(f"clamd at {self.url} answered {reply[:200]!r} to PING")

    async def _connect(self) -> socket.socket:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.timeout):
                if self.path is not None:
                    return await _connected(socket.AF_UNIX, self.path)
                addresses = await loop.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
                error: OSError = OSError(f"{self.host} has no address")
                for family, _, _, _, address in addresses:
                    try:
                        return await _connected(family, address)
                    except OSError as exc:
                        error = exc
                raise error
        except (OSError, TimeoutError) as exc:
            raise ScannerUnavailable(f"cannot reach clamd at {self.url}: {exc!r}") from exc

    async def _send(self, sock: socket.socket, data: bytes) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                await asyncio.get_running_loop().sock_sendall(sock, data)
        except TimeoutError as exc:
            raise ScannerUnavailable(f"clamd at {self.url} stopped reading") from exc

    async def _reply(self, sock: socket.socket, failed: OSError | None) -> str:
        """clamd's answer, up to its NUL; read even after sending failed, since clamd says
        why before it hangs up."""
        loop = asyncio.get_running_loop()
        reply = b""
        try:
            async with asyncio.timeout(self.timeout):
                while b"\0" not in reply and len(reply) <= MAX_REPLY:
                    data = await loop.sock_recv(sock, MAX_REPLY)
                    if not data:
                        break
                    reply += data
        except TimeoutError as exc:
            raise ScannerUnavailable(f"clamd at {self.url} did not answer in time") from exc
        except OSError as exc:
            failed = exc
        if b"\0" not in reply:
            cause = f" ({failed!r})" if failed else ""
            raise ScannerUnavailable(f"clamd at {self.url} gave no answer{cause}")
        return reply.partition(b"\0")[0].decode("utf-8", "replace").strip()


async def _close(source: AsyncIterator[bytes]) -> None:
    """Close the chunks' source, if it can be (an async generator): one left half read holds
    its file open until the garbage collector finds it."""
    if isinstance(source, AsyncGenerator):
        await source.aclose()


async def _connected(family: int, address: str | tuple[Any, ...]) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, address)
    except BaseException:  # a failure or the timeout: the socket is not handed out
        sock.close()
        raise
    return sock
