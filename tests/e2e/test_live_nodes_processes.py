"""Two `tertulia serve` processes sharing PostgreSQL and Redis, as a deployment of many nodes
runs them: a client on node A hears, in order, what is posted through node B; node A is
killed with SIGKILL and the client resumes on node B with exactly what it missed."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import pytest
from httpx import AsyncClient

from tests.e2e.server import ServerProcess, environment
from tests.live import Node, opened
from tests.web.api import join, ok, signup, workspace

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


async def test_a_client_hears_the_other_process_and_resumes_there_after_a_kill(
    postgres_url: str, redis_url: str, broker_channel: str, tmp_path: Path
) -> None:
    secret = secrets.token_urlsafe(48)  # both nodes verify the same tokens
    shared = {
        "TERTULIA_DATABASE_URL": postgres_url,
        "TERTULIA_BROKER_URL": redis_url,
        "TERTULIA_BROKER_CHANNEL": broker_channel,
        "TERTULIA_JWT_SECRET": secret,
        "TERTULIA_LOG_FORMAT": "text",
    }
    # the test's database is migrated already
    a = ServerProcess(environment(tmp_path, **shared), tmp_path / "a.log")
    b = ServerProcess(environment(tmp_path, **shared), tmp_path / "b.log")
    await asyncio.to_thread(a.start)
    await asyncio.to_thread(b.start)
    try:
        async with AsyncClient(base_url=b.base, timeout=10) as through_b:
            ana, bruno = await signup(through_b, "ana"), await signup(through_b, "bruno")
            ws = await workspace(through_b, ana)
            await join(through_b, ws["id"], ana, bruno)
            channels = ok(
                await through_b.get(f"/api/v1/workspaces/{ws['id']}/channels", headers=ana.headers)
            )
            general = channels["items"][0]["id"]

            async def say(text: str) -> None:
                ok(
                    await through_b.post(
                        f"/api/v1/channels/{general}/messages",
                        json={"text": text},
                        headers=ana.headers,
                    ),
                    201,
                )

            node_a, node_b = Node(through_b, a.ws_url), Node(through_b, b.ws_url)
            async with opened(node_a, bruno) as on_a:
                sending = asyncio.gather(*(say(f"m{i}") for i in range(20)))
                heard = [await on_a.next_event("message.created") for _ in range(20)]
                await sending
                a.kill()  # node A dies mid-session, without a word
                for text in ("x0", "x1", "x2"):
                    await say(text)
            async with opened(node_b, bruno, last_event_id=heard[-1]["id"]) as on_b:
                resumed = [await on_b.next_event() for _ in range(3)]
                rest = await on_b.quiet()
    finally:
        a.stop()
        b.stop()

    ids = [f["id"] for f in heard]
    assert ids == sorted(set(ids))
    assert sorted(f["data"]["text"] for f in heard) == sorted(f"m{i}" for i in range(20))
    assert [f["data"]["text"] for f in resumed] == ["x0", "x1", "x2"]
    assert rest == []
