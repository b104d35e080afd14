"""A minimal WebSocket client for load generation: thousands of connections in one process on
one core. It speaks just enough of RFC 6455 (handshake, masked client frames, server text,
ping and close frames) and hands each text frame to a callback, as a slice of its read buffer
(no copy) with its arrival time, so the load generator spends its CPU on counting, not on a
general-purpose library."""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import time
from collections.abc import Callable

# (buffer, start, end, arrival): the frame is buffer[start:end]; valid only during the call
Receive = Callable[[bytearray, int, int, float], None]


def _frame(opcode: int, payload: bytes) -> bytes:
    """A masked client frame (clients must mask)."""
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
    elif size < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


class Client(asyncio.Protocol):
    def __init__(self, host: str, path: str, first: bytes, on_text: Receive) -> None:
        self._host = host
        self._path = path
        self._first = first  # the auth frame, sent once the handshake is done
        self._on_text = on_text
        self._buffer = bytearray()
        self._upgraded = False
        self._opened = False
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (
                f"GET {self._path} HTTP/1.1\r\nHost: {self._host}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        buffer = self._buffer
        buffer += data
        if not self._upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                self._fail(f"handshake refused: {bytes(buffer[:80])!r}")
                return
            del buffer[: end + 4]
            self._upgraded = True
            assert self.transport is not None
            self.transport.write(_frame(0x1, self._first))
        offset = 0
        size = len(buffer)
        while size - offset >= 2:
            opcode = buffer[offset] & 0x0F
            length = buffer[offset + 1] & 0x7F
            start = offset + 2
            if length == 126:
                if size - offset < 4:
                    break
                length = struct.unpack_from("!H", buffer, start)[0]
                start += 2
            elif length == 127:
                if size - offset < 10:
                    break
                length = struct.unpack_from("!Q", buffer, start)[0]
                start += 8
            if size < start + length:
                break
            offset = start + length
            if opcode == 0x1:
                if not self._opened:
                    self._opened = True
                    self.opened.set_result(None)
                self._on_text(buffer, start, offset, now)
            elif opcode == 0x9 and self.transport is not None:  # ping: pong
                self.transport.write(_frame(0xA, bytes(buffer[start:offset])))
            elif opcode == 0x8:
                code = struct.unpack_from("!H", buffer, start)[0] if length >= 2 else 1005
                if not self.closed.done():
                    self.closed.set_result(code)
                if self.transport is not None:
                    self.transport.close()
        if offset:
            del buffer[:offset]

    def send_text(self, text: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_frame(0x1, text))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(1006)
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed before it opened"))

    def _fail(self, why: str) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(why))
        if self.transport is not None:
            self.transport.close()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_frame(0x8, struct.pack("!H", 1000)))
            self.transport.close()


async def connect(host: str, port: int, path: str, first: bytes, on_text: Receive) -> Client:
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(
        lambda: Client(f"{host}:{port}", path, first, on_text), host, port
    )
    await asyncio.wait_for(client.opened, 30)
    return client
