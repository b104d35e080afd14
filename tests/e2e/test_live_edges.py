"""Real time at its edges, with `tertulia serve` processes and a real Redis: a client that stays
connected but never reads is let go within the heartbeat and holds up no shutdown; two
deployments sharing one Redis server never act on each other's events; a client hopping
between nodes that lag each other is never told to resync, nor sent what it has."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis.asyncio as redis
import websockets
from httpx import AsyncClient
from websockets.asyncio.client import ClientConnection

from tertulia.adapters.broker.redis import channel_of
from tertulia.adapters.sql import migrate
from tertulia.adapters.sql.database import open_database
from tertulia.adapters.sql.eventlog import SqlEventLog
from tests.e2e.server import ServerProcess, environment
from tests.live import Node, Socket, opened
from tests.web.api import Account, join, ok, signup, workspace

pytestmark = pytest.mark.slow

HOPS = 8


@asynccontextmanager
async def serving(*envs: dict[str, str], logs: Path) -> AsyncIterator[list[ServerProcess]]:
    """A `tertulia serve` for each environment, started side by side, until the block ends;
    an SQLite database is migrated first (here: starting `tertulia migrate` costs seconds)."""
    for env in envs:
        url = env["TERTULIA_DATABASE_URL"]
        if url.startswith("sqlite"):
            database = open_database(url)
            try:
                await migrate.upgrade(database)
            finally:
                await database.close()
    servers = [ServerProcess(env, logs / f"server-{n}.log") for n, env in enumerate(envs)]
    try:
        await asyncio.gather(*(asyncio.to_thread(server.start) for server in servers))
        yield servers
    finally:
        for server in servers:
            server.stop()


async def say(http: AsyncClient, who: Account, channel: str, text: str) -> None:
    ok(
        await http.post(
            f"/api/v1/channels/{channel}/messages", json={"text": text}, headers=who.headers
        ),
        201,
    )


async def team(http: AsyncClient) -> tuple[Account, Account, str, str]:
    """Ana and Bruno in Ana's workspace; its id and #general's."""
    ana, bruno = await signup(http, "ana"), await signup(http, "bruno")
    ws = await workspace(http, ana)
    await join(http, ws["id"], ana, bruno)
    channels = ok(await http.get(f"/api/v1/workspaces/{ws['id']}/channels", headers=ana.headers))
    return ana, bruno, ws["id"], channels["items"][0]["id"]


def newest(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as conn:
        found: int = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        return found


# a client that never reads -----------------------------------------------------------------------


def pad(database: Path, user_id: str, megabytes: int) -> int:
    """Events for this person alone, 16 KB each, written to the log as a process that died
    before publishing them would leave them; the newest id."""
    at = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    rows = [
        # random, so that no compression makes them small
        (f"user:{user_id}", orjson.dumps({"pad": secrets.token_urlsafe(12_000)}).decode(), at)
        for _ in range(megabytes * 1024 // 16)
    ]
    with contextlib.closing(sqlite3.connect(database)) as conn:
        conn.executemany(
            "INSERT INTO events (type, workspace_id, channel_id, audience, data, created_at)"
            " VALUES ('test.padding', NULL, NULL, ?, ?, ?)",
            rows,
        )
        conn.commit()
    return newest(database)


def send_buffer_megabytes() -> int:
    """The most a socket's send buffer may grow to here (Linux), in MiB; 4 elsewhere."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2]) >> 20
    return 4


@asynccontextmanager
async def never_reading(node: Node, who: Account) -> AsyncIterator[ClientConnection]:
    """A socket that asks for everything since the log began, then reads nothing (its
    receive buffer small, so that the server's sends to it soon block)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    host, port = node.ws_url.split("/")[2].split(":")
    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    async with websockets.connect(
        node.ws_url, sock=sock, max_size=None, close_timeout=1
    ) as connection:
        connection.transport.pause_reading()
        auth = {"type": "auth", "token": who.token, "last_event_id": 0}
        await connection.send(orjson.dumps(auth).decode())
        try:
            yield connection
        finally:
            connection.transport.resume_reading()


@asynccontextmanager
async def watch(node: Node, who: Account, whom: Account, after: int) -> AsyncIterator[Socket]:
    """A socket of `who` on a server whose hub has delivered `after`, hearing the presence
    of `whom` (offline by now)."""
    async with asyncio.timeout(10):
        while True:
            async with opened(node, who) as probe:
                if probe.hello["last_event_id"] >= after:
                    break
            await asyncio.sleep(0.2)  # the hub reads the log every second
    async with opened(node, who) as socket:
        await socket.send({"type": "presence.subscribe", "user_ids": [whom.id]})
        answer = await socket.next()
        if answer["users"][whom.id] != "offline":
            assert (await socket.next(skip=()))["data"]["status"] == "offline"
        yield socket


async def test_a_client_that_never_reads_is_let_go_and_holds_up_no_shutdown(
    tmp_path: Path,
) -> None:
    """Ana's client opens a socket, asks for more history than the server's send buffer
    holds and never reads a byte (the server's sends to it block). The heartbeat gets no
    pong: within its timeout the server lets the socket go, and Bruno sees her go offline.
    A second such socket does not make a graceful shutdown (SIGTERM) wait for it: the
    server exits without cancelling anything."""
    env = environment(
        tmp_path,
        TERTULIA_LOG_FORMAT="text",
        TERTULIA_WS_PING_SECONDS="1",
        TERTULIA_OFFLINE_AFTER_SECONDS="0",
    )
    database = tmp_path / "tertulia.db"
    async with (
        serving(env, logs=tmp_path) as [server],
        AsyncClient(base_url=server.base, timeout=10) as http,
    ):
        ana, bruno, _, _ = await team(http)
        node = Node(http, server.ws_url)
        last = pad(database, ana.id, send_buffer_megabytes() + 2)
        async with watch(node, bruno, ana, last) as bruno_hears:
            async with never_reading(node, ana) as frozen:
                online = await bruno_hears.next(within=10, skip=())
                offline = await bruno_hears.next(within=10, skip=())
                frozen.transport.resume_reading()
                with contextlib.suppress(websockets.ConnectionClosed):
                    async with asyncio.timeout(10):
                        async for _ in frozen:
                            pass  # what reached it before the server let go
            async with never_reading(node, ana):
                await bruno_hears.next(within=10, skip=())  # she is online again
                await asyncio.to_thread(server.terminate)

    assert (online["data"]["status"], offline["data"]["status"]) == ("online", "offline")
    log = (tmp_path / "server-0.log").read_text()
    assert "Finished server process" in log
    assert "timeout graceful shutdown exceeded" not in log


# two deployments, one Redis ----------------------------------------------------------------------


@pytest.mark.redis
async def test_two_deployments_on_one_redis_never_act_on_each_others_events(
    redis_url: str, tmp_path: Path
) -> None:
    """Deployments X and Y share one Redis server (the db number does not separate pub/sub)
    and even their JWT secret; X is on the channel named after its database (the default),
    and Y, by mistake, on X's channel too. Y's log runs ahead of X's. Bruno listens on X
    while people post on both: he hears exactly X's messages, in order (X drops Y's
    messages: not signed with X's key); a socket opened on X afterwards starts from X's
    own last id and hears X's next message."""
    shared: dict[str, str] = {
        "TERTULIA_BROKER_URL": redis_url,
        "TERTULIA_JWT_SECRET": secrets.token_urlsafe(48),
        "TERTULIA_LOG_FORMAT": "text",
    }
    x_env = environment(tmp_path / "x", **shared)
    (tmp_path / "x").mkdir()
    x_database = open_database(x_env["TERTULIA_DATABASE_URL"])
    try:
        await migrate.upgrade(x_database)
        x_channel = channel_of(await SqlEventLog(x_database).identity())
    finally:
        await x_database.close()
    y_env = environment(tmp_path / "y", **shared, TERTULIA_BROKER_CHANNEL=x_channel)
    client = redis.from_url(redis_url)
    async with (
        serving(x_env, y_env, logs=tmp_path) as [x, y],
        AsyncClient(base_url=x.base, timeout=10) as on_x,
        AsyncClient(base_url=y.base, timeout=10) as on_y,
    ):
        listeners = dict(await client.pubsub_numsub(x_channel))[x_channel.encode()]
        ana, bruno, _, general = await team(on_x)
        yana, _, _, y_general = await team(on_y)
        for i in range(10):
            await say(on_y, yana, y_general, f"y{i}")  # Y's ids run ahead of X's
        async with opened(Node(on_x, x.ws_url), bruno) as listening:
            ahead = asyncio.gather(*(say(on_y, yana, y_general, f"y+{i}") for i in range(5)))
            for i in range(3):
                await say(on_x, ana, general, f"x{i}")
            await ahead
            heard = [await listening.next_event("message.created") for _ in range(3)]
            rest = await listening.quiet(0.3)
            x_last = newest(tmp_path / "x" / "tertulia.db")
            async with opened(Node(on_x, x.ws_url), bruno) as later:
                await say(on_x, ana, general, "x-next")
                next_for_later = await later.next_event("message.created")
                next_for_first = await listening.next_event("message.created")
    await client.aclose()

    assert listeners == 2  # X on the channel named after its database, and Y
    assert [f["data"]["text"] for f in heard] == [f"x{i}" for i in range(3)]
    assert [f["id"] for f in heard] == sorted({f["id"] for f in heard})
    assert [f for f in rest if "id" in f] == []
    assert later.hello["last_event_id"] == x_last
    assert next_for_later["data"]["text"] == next_for_first["data"]["text"] == "x-next"
    assert next_for_later["id"] == x_last + 1
    assert newest(tmp_path / "y" / "tertulia.db") > x_last + 1  # Y was ahead all along


# nodes that lag each other -----------------------------------------------------------------------


@pytest.mark.postgres
async def test_a_client_hopping_between_nodes_that_lag_is_never_told_to_resync(
    postgres_url: str, tmp_path: Path
) -> None:
    """Nodes A and B share PostgreSQL but no broker (each hears the other's events only
    from the log, a second late at worst). Bruno hops between them eight times, each time
    right after hearing a message posted through the node he leaves: he is never told
    resync_required nor given a last id below his own, and hears every message once, in
    order."""
    shared = {
        "TERTULIA_DATABASE_URL": postgres_url,
        "TERTULIA_JWT_SECRET": secrets.token_urlsafe(48),
        "TERTULIA_LOG_FORMAT": "text",
    }
    env = environment(tmp_path, **shared)
    async with (
        serving(env, env, logs=tmp_path) as [a, b],
        AsyncClient(base_url=a.base, timeout=10) as through_a,
        AsyncClient(base_url=b.base, timeout=10) as through_b,
    ):
        ana, bruno, _, general = await team(through_a)
        nodes = [Node(through_a, a.ws_url), Node(through_b, b.ws_url)]
        told: list[tuple[int, int]] = []  # (the id Bruno resumed from, the hello's)
        heard: list[dict[str, Any]] = []
        last: int | None = None
        for hop in range(HOPS):
            node = nodes[hop % 2]
            async with opened(node, bruno, last_event_id=last) as socket:
                if last is None:
                    last = socket.hello["last_event_id"]
                else:
                    told.append((last, socket.hello["last_event_id"]))
                await say(node.http, ana, general, f"m{hop}")
                while True:
                    frame = await socket.next()
                    assert frame["type"] != "resync_required", (hop, frame)
                    if "id" in frame:
                        heard.append(frame)
                        last = frame["id"]
                        if frame["type"] == "message.created":
                            break

    texts = [f["data"]["text"] for f in heard if f["type"] == "message.created"]
    assert texts == [f"m{hop}" for hop in range(HOPS)]
    ids = [f["id"] for f in heard]
    assert ids == sorted(set(ids))
    assert all(hello >= resumed for resumed, hello in told), told
