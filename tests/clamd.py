"""A twin of ClamAV's clamd for the tests: its wire protocol, not its engine.

Real ClamAV needs a daemon and a signature database of about 300 MB, neither of which this
machine has (nor may install), so the adapter is tested against this server instead. It speaks
clamd's protocol as clamd does: commands in the `z` (NUL-ended) or `n` (newline-ended) form,
PING → PONG, and INSTREAM's chunks each after a 4-byte big-endian length, ended by an empty
chunk. It enforces a StreamMaxLength (answering `INSTREAM size limit exceeded. ERROR`, then
hanging up), and knows one signature: the EICAR test file, which every antivirus reports.
It can also misbehave: stay silent, or answer nonsense.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EICAR_NAME = "Eicar-Signature"


@dataclass
class Clamd:
    """The server's behaviour, and what it saw."""

    max_bytes: int = 25 * 1024 * 1024  # clamd's default StreamMaxLength
    mode: Literal["faithful", "silent", "garbage"] = "faithful"
    scanned: list[bytes] = field(default_factory=list)  # each complete stream received
    url: str = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._session(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client hung up
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first = await reader.readexactly(1)
        end = {b"z": b"\0", b"n": b"\n"}.get(first)
        if end is None:
            raise ConnectionError("clamd needs the z or n form of a command")
        command = (await reader.readuntil(end))[:-1]

        async def answer(text: str) -> None:
            writer.write(text.encode() + end)
            await writer.drain()

        if self.mode == "garbage":
            await answer("HTTP/1.1 400 Bad Request")
            return
        if command == b"PING":
            await answer("PONG")
            return
        if command != b"INSTREAM":
            await answer("UNKNOWN COMMAND")
            return
        received = bytearray()
        while True:
            (length,) = struct.unpack(">I", await reader.readexactly(4))
            if length == 0:
                break
            if len(received) + length > self.max_bytes:
                await answer("INSTREAM size limit exceeded. ERROR")
                return  # and hang up, as clamd does
            received += await reader.readexactly(length)
        self.scanned.append(bytes(received))
        if self.mode == "silent":
            await reader.read()  # until the client gives up
            return
        await answer(f"stream: {EICAR_NAME} FOUND" if EICAR in received else "stream: OK")


@asynccontextmanager
async def clamd(socket_path: Path | None = None, **options: object) -> AsyncIterator[Clamd]:
    """A clamd twin listening on a free local TCP port, or on `socket_path`; its `url` is
    what ClamdScanner takes."""
    twin = Clamd(**options)  # type: ignore[arg-type]
    if socket_path is not None:
        server = await asyncio.start_unix_server(twin.handle, socket_path)
        twin.url = f"unix://{socket_path}"
    else:
        server = await asyncio.start_server(twin.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        twin.url = f"tcp://127.0.0.1:{port}"
    async with server:
        yield twin
        server.close()
