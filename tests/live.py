"""Real servers and real WebSocket clients for the tests of real time: uvicorn serving the app
on a real port (in this process, or as a separate process that can be killed), and a client
that speaks the socket's protocol."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import uvicorn
import websockets
from httpx import AsyncClient
from websockets.asyncio.client import ClientConnection

from tertulia.bootstrap import create_app
from tertulia.web.heartbeat import HeartbeatProtocol
from tests.conftest import settings_for
from tests.twins import FastHasher
from tests.web.api import Account


@dataclass
class Node:
    """A running server: its HTTP client and its socket address."""

    http: AsyncClient
    ws_url: str
    app: Any = None


def free_port() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def node(
    database_url: str, data_dir: Path, ping: float | None = None, **overrides: object
) -> AsyncIterator[Node]:
    """uvicorn (wsproto with our heartbeat, as `tertulia serve` runs it) serving the app on
    a free port of this process's event loop; heartbeats every `ping` seconds (none by
    default)."""
    app = create_app(settings_for(database_url, data_dir, **overrides), hasher=FastHasher())
    sock = free_port()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        ws=HeartbeatProtocol,
        lifespan="on",
        log_config=None,
        access_log=False,
        ws_ping_interval=ping,
        ws_ping_timeout=ping,
    )
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        async with AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            yield Node(http, f"ws://127.0.0.1:{port}/api/v1/ws", app)
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)
        sock.close()


@dataclass
class Socket:
    """A client of /api/v1/ws: what it received, frame by frame."""

    connection: ClientConnection
    hello: dict[str, Any]
    received: list[dict[str, Any]] = field(default_factory=list)

    async def next(
        self, within: float = 5, skip: tuple[str, ...] = ("presence.changed",)
    ) -> dict[str, Any]:
        """The next frame, leaving out those of the types in `skip` (by default presence,
        which comes and goes with every socket a test opens)."""
        async with asyncio.timeout(within):
            while True:
                frame: dict[str, Any] = orjson.loads(await self.connection.recv())
                self.received.append(frame)
                if frame["type"] not in skip:
                    return frame

    async def next_event(self, kind: str | None = None, within: float = 5) -> dict[str, Any]:
        """The next frame that is a logged event (of this type), skipping typing and such."""
        while True:
            frame = await self.next(within)
            if "id" in frame and (kind is None or frame["type"] == kind):
                return frame

    async def events(self, count: int, within: float = 5) -> list[dict[str, Any]]:
        return [await self.next_event(within=within) for _ in range(count)]

    async def quiet(
        self, seconds: float = 0.3, skip: tuple[str, ...] = ("presence.changed",)
    ) -> list[dict[str, Any]]:
        """Whatever arrives within `seconds` (a test expects nothing, usually)."""
        frames = []
        with contextlib.suppress(TimeoutError):
            while True:
                frames.append(await self.next(seconds, skip))
        return frames

    async def send(self, frame: dict[str, Any] | str | bytes) -> None:
        if isinstance(frame, dict):
            frame = orjson.dumps(frame).decode()
        await self.connection.send(frame)

    async def closed(self, within: float = 5) -> tuple[int | None, str | None]:
        """Read until the server closes; its close code and reason."""
        with contextlib.suppress(websockets.ConnectionClosed, TimeoutError):
            async with asyncio.timeout(within):
                while True:
                    self.received.append(orjson.loads(await self.connection.recv()))
        return self.connection.close_code, self.connection.close_reason

    async def close(self) -> None:
        await self.connection.close()


@asynccontextmanager
async def opened(
    server: Node, who: Account, last_event_id: int | None = None, **auth: Any
) -> AsyncIterator[Socket]:
    """A socket authenticated as `who` (resuming after `last_event_id`), hello read."""
    async with websockets.connect(server.ws_url, max_size=None) as connection:
        frame: dict[str, Any] = {"type": "auth", "token": who.token, **auth}
        if last_event_id is not None:
            frame["last_event_id"] = last_event_id
        await connection.send(orjson.dumps(frame).decode())
        hello = orjson.loads(await asyncio.wait_for(connection.recv(), 5))
        assert hello["type"] == "hello", hello
        yield Socket(connection, hello)


@asynccontextmanager
async def raw_socket(server: Node) -> AsyncIterator[Socket]:
    """A socket that has sent nothing yet."""
    async with websockets.connect(server.ws_url, max_size=None) as connection:
        yield Socket(connection, {})
