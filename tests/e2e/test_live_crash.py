"""The socket survives its server: killed with SIGKILL mid-burst, or stopped with SIGTERM,
the server comes back and every client ends with exactly the events the database holds for
it: none lost, none twice."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import websockets

from tertulia.adapters.sql.database import open_database
from tertulia.adapters.sql.eventlog import SqlEventLog
from tertulia.domain.ids import UserId
from tests.e2e.server import TERTULIA, ServerProcess, environment
from tests.web.api import Account, login, ok, signup, workspace

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    env = environment(tmp_path, TERTULIA_LOG_FORMAT="text")
    subprocess.run([*TERTULIA, "migrate"], env=env, check=True, capture_output=True)
    process = ServerProcess(env, tmp_path / "server.log")
    process.start()
    yield process
    process.stop()


class Listener:
    """A client that keeps its socket open, reconnecting from its last id whenever it drops,
    and remembers every event it heard."""

    def __init__(self, server: ServerProcess, who: Account, pause: float = 0.5) -> None:
        self.server = server
        self.who = who
        self.heard: list[int] = []
        self.texts: list[str] = []
        self.last: int | None = None
        self.resyncs = 0
        self.closes: list[int | None] = []  # the close code of each socket that ended
        self.connected = asyncio.Event()  # set once the first hello came
        self.pause = pause  # how long it stays away after losing its socket
        self._connection: Any = None

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with websockets.connect(self.server.ws_url, open_timeout=2) as ws:
                    self._connection = ws
                    auth: dict[str, Any] = {"type": "auth", "token": self.who.token}
                    if self.last is not None:
                        auth["last_event_id"] = self.last
                    await ws.send(orjson.dumps(auth).decode())
                    async for raw in ws:
                        frame = orjson.loads(raw)
                        if frame["type"] == "hello" and self.last is None:
                            self.last = frame["last_event_id"]
                            self.connected.set()
                        elif frame["type"] == "resync_required":
                            self.resyncs += 1
                        elif "id" in frame:
                            self.heard.append(frame["id"])
                            self.last = frame["id"]
                            if frame["type"] == "message.created":
                                self.texts.append(frame["data"]["text"])
            except (OSError, websockets.WebSocketException, TimeoutError):
                pass
            if self._connection is not None:
                self.closes.append(self._connection.close_code)
                self._connection = None
            # away for a while (the others keep posting), then back from its last id
            await asyncio.sleep(self.pause)

    async def drop(self) -> None:
        """Close the socket from this side (a phone losing signal); run() reconnects."""
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()


def visible_ids(database: Path, scopes: set[str], after: int) -> list[int]:
    """The ids of the events after `after` that these scopes may see, from the database."""
    with contextlib.closing(sqlite3.connect(database)) as conn:
        rows = conn.execute("SELECT id, audience FROM events WHERE id > ? ORDER BY id", (after,))
        return [i for i, audience in rows if scopes & set(audience.split())]


async def team(http: httpx.AsyncClient) -> tuple[list[Account], str, str]:
    people = [await signup(http, name) for name in ("ana", "bruno", "carla")]
    ws = await workspace(http, people[0])
    for person in people[1:]:
        invitation = ok(
            await http.post(
                f"/api/v1/workspaces/{ws['id']}/invitations",
                json={"role": "member"},
                headers=people[0].headers,
            ),
            201,
        )
        ok(
            await http.post(
                f"/api/v1/invitations/{invitation['token']}/accept", headers=person.headers
            )
        )
    channels = ok(
        await http.get(f"/api/v1/workspaces/{ws['id']}/channels", headers=people[0].headers)
    )
    return people, ws["id"], channels["items"][0]["id"]


async def burst(
    http: httpx.AsyncClient, who: Account, channel: str, n: int, acknowledged: list[str]
) -> None:
    """Post n messages, about 30 a second, each tried again while the server is down (as a
    client does, however long the restart takes); remember those the server acknowledged."""
    for i in range(n):
        await asyncio.sleep(0.03)
        text = f"{who.username} {i}"
        while True:
            try:
                response = await http.post(
                    f"/api/v1/channels/{channel}/messages",
                    json={"text": text},
                    headers=who.headers,
                )
                break
            except httpx.TransportError:
                await asyncio.sleep(0.05)
        if response.status_code == 201:
            acknowledged.append(text)


async def settle(listeners: list[Listener], database: Path) -> None:
    """Wait until every listener has heard the whole log (or give up after 10 s)."""
    async with asyncio.timeout(10):
        while True:
            with contextlib.closing(sqlite3.connect(database)) as conn:
                newest = conn.execute("SELECT max(id) FROM events").fetchone()[0]
            if all(listener.last == newest for listener in listeners):
                return
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("how", ["kill", "terminate"])
async def test_clients_end_with_exactly_the_events_the_database_holds(
    server: ServerProcess, tmp_path: Path, how: str
) -> None:
    """Three people post in #general while Bruno and Carla listen, and Carla's phone drops
    and reconnects mid-burst. The server is killed with SIGKILL (or stopped with SIGTERM) in the
    middle and started again. Each listener ends with every event the database holds for
    them, once each, in order, and every acknowledged message among them."""
    async with httpx.AsyncClient(base_url=server.base, timeout=5) as http:
        people, _ws, general = await team(http)
        _ana, bruno, carla = people
        phone = await login(http, "carla")  # Carla's second device
        listeners = [Listener(server, who) for who in (bruno, carla, phone)]
        stop = asyncio.Event()
        running = [asyncio.create_task(listener.run(stop)) for listener in listeners]
        async with asyncio.timeout(5):
            for listener in listeners:
                await listener.connected.wait()
        start = {id(listener): listener.last for listener in listeners}

        acknowledged: list[str] = []
        posting = [
            asyncio.create_task(burst(http, who, general, 60, acknowledged)) for who in people
        ]
        await asyncio.sleep(0.4)
        await listeners[2].drop()
        await asyncio.sleep(0.3)
        before = len(acknowledged)
        await asyncio.to_thread(server.kill if how == "kill" else server.terminate)
        await asyncio.sleep(0.3)
        await asyncio.to_thread(server.start)
        restarted = len(acknowledged)
        async with asyncio.timeout(60):
            await asyncio.gather(*posting)
        await settle(listeners, tmp_path / "tertulia.db")
        stop.set()
        for listener in listeners:
            await listener.drop()
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    database = tmp_path / "tertulia.db"
    for listener, who in zip(listeners, (bruno, carla, phone), strict=True):
        scopes = await _scopes(database, who.id)
        expected = visible_ids(database, scopes, start[id(listener)])
        assert listener.heard == expected, who.username
        assert listener.resyncs == 0
        assert set(acknowledged) <= set(listener.texts), who.username
    if how == "terminate":  # the sockets open then were told to come back (1012: restart)
        assert [1012 in listener.closes for listener in listeners[:2]] == [True, True]
    assert 0 < before <= restarted < len(acknowledged)  # the burst went on across the restart


async def _scopes(database: Path, user_id: str) -> set[str]:
    opened = open_database(f"sqlite+aiosqlite:///{database}")
    try:
        return await SqlEventLog(opened).scopes(UserId(user_id))
    finally:
        await opened.close()
