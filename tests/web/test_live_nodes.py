"""Two nodes sharing PostgreSQL and Redis, as a deployment of many nodes runs: a client on
one hears, in order, what clients of the other do, and resumes on the other when its node
goes away."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.live import node, opened, raw_socket
from tests.web.api import ok, signup, workspace

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


async def test_a_client_hears_the_other_node_and_resumes_there(
    postgres_url: str, redis_url: str, broker_channel: str, tmp_path: Path
) -> None:
    """Bruno listens on node A while Ana posts twenty messages through node B: he hears all
    of them in order. Node A goes away; Ana posts three more; Bruno resumes on node B from
    the last id he saw and gets exactly those three. Node A heard it all through Redis, not
    by reading the log."""
    shared = {"broker_url": redis_url, "broker_channel": broker_channel}
    async with node(postgres_url, tmp_path / "b", **shared) as b:
        ana = await signup(b.http, "ana")
        bruno = await signup(b.http, "bruno")
        ws = await workspace(b.http, ana)
        invitation = ok(
            await b.http.post(
                f"/api/v1/workspaces/{ws['id']}/invitations",
                json={"role": "member"},
                headers=ana.headers,
            ),
            201,
        )
        ok(
            await b.http.post(
                f"/api/v1/invitations/{invitation['token']}/accept", headers=bruno.headers
            )
        )
        channels = ok(
            await b.http.get(f"/api/v1/workspaces/{ws['id']}/channels", headers=ana.headers)
        )
        general = channels["items"][0]["id"]

        async def say(text: str) -> None:
            ok(
                await b.http.post(
                    f"/api/v1/channels/{general}/messages",
                    json={"text": text},
                    headers=ana.headers,
                ),
                201,
            )

        async with node(postgres_url, tmp_path / "a", **shared) as a, opened(a, bruno) as on_a:
            sending = asyncio.gather(*(say(f"m{i}") for i in range(20)))
            heard = [await on_a.next_event("message.created") for _ in range(20)]
            await sending
            by_log = a.app.state.core.live.hub.filled  # events that had to be read, not heard
        # node A is gone
        for text in ("x0", "x1", "x2"):
            await say(text)
        async with opened(b, bruno, last_event_id=heard[-1]["id"]) as on_b:
            resumed = [await on_b.next_event() for _ in range(3)]
            rest = await on_b.quiet()

    ids = [f["id"] for f in heard]
    assert ids == sorted(set(ids))
    assert sorted(f["data"]["text"] for f in heard) == sorted(f"m{i}" for i in range(20))
    assert [f["data"]["text"] for f in resumed] == ["x0", "x1", "x2"]
    assert rest == []
    assert by_log == 0  # node A heard everything through Redis


async def test_sockets_on_every_node_count_toward_a_persons_cap(
    postgres_url: str, redis_url: str, broker_channel: str, tmp_path: Path
) -> None:
    """Ana may have three sockets: two on node A and one on node B fill her allowance, so a
    fourth is closed with 4409 on either node; when she closes the one on B, A lets her open
    another."""
    shared = {"broker_url": redis_url, "broker_channel": broker_channel}
    async with (
        node(postgres_url, tmp_path / "a", ws_sockets_per_person=3, **shared) as a,
        node(postgres_url, tmp_path / "b", ws_sockets_per_person=3, **shared) as b,
    ):
        ana = await signup(a.http, "ana")
        async with opened(a, ana), opened(a, ana):
            async with opened(b, ana):
                refused = []
                for server in (a, b):
                    async with raw_socket(server) as fourth:
                        await fourth.send({"type": "auth", "token": ana.token})
                        refused.append(await fourth.closed())
            async with opened(a, ana) as again:
                await again.send({"type": "ping"})
                pong = await again.next()

    assert refused == [(4409, "sockets.too_many")] * 2
    assert pong["type"] == "pong"
