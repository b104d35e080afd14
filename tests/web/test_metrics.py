"""/metrics: what an operator's Prometheus reads, and who else may not."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient, Response
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families

from tertulia.bootstrap import create_app
from tests.conftest import own_state_per_request, settings_for
from tests.live import node, opened
from tests.twins import FastHasher
from tests.web.api import channel, ok, problem, signup, workspace

TOKEN = "metrics-token-0123456789abcdef"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(response: Response) -> Samples:
    """Every sample of a /metrics answer, by name and labels."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    found: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


REQUESTS = "tertulia_http_request_duration_seconds_count"


async def test_requests_are_counted_by_route_template_and_status(client: AsyncClient) -> None:
    """Each request counts under its route's template (never the ids in its path) and its
    status, with a latency histogram; the pools in use and the job queue are there too."""
    ana = await signup(client, "ana")
    ws = await workspace(client, ana)
    missing = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    for _ in range(3):
        problem(await client.get(f"/api/v1/channels/{missing}", headers=ana.headers), 404)
    ok(await client.get(f"/api/v1/workspaces/{ws['id']}", headers=ana.headers))
    problem(await client.get("/api/v1/no/such/path"), 404)

    found = samples(await client.get("/metrics"))
    route = "/api/v1/channels/{channel_id}"
    assert value(found, REQUESTS, method="GET", route=route, status="404") == 3
    ws_route = "/api/v1/workspaces/{workspace_id}"
    assert value(found, REQUESTS, method="GET", route=ws_route, status="200") == 1
    assert value(found, REQUESTS, method="POST", route="/api/v1/auth/register", status="201") == 1
    assert value(found, REQUESTS, method="GET", route="unmatched", status="404") == 1
    bucket = "tertulia_http_request_duration_seconds_bucket"
    assert value(found, bucket, method="GET", route=route, status="404", le="+Inf") == 3
    labels = {dict(key[1]).get("route", "") for key in found}
    assert not any(missing in label or ws["id"] in label for label in labels)
    assert any(name == "tertulia_db_pool_size" and v >= 1 for (name, _), v in found.items())
    assert value(found, "tertulia_jobs_queued", kind="image") == 0
    assert value(found, "tertulia_event_log_lag_events") >= 0


@asynccontextmanager
async def clients(sqlite_url: str, tmp_path: Path) -> AsyncIterator[tuple[AsyncClient, ...]]:
    """One app with a metrics token, seen from this machine and from elsewhere."""
    app = create_app(settings_for(sqlite_url, tmp_path, metrics_token=TOKEN), hasher=FastHasher())
    async with LifespanManager(own_state_per_request(app)) as manager:
        local = AsyncClient(
            transport=ASGITransport(manager.app, client=("127.0.0.1", 40000)),
            base_url="http://testserver",
        )
        remote = AsyncClient(
            transport=ASGITransport(manager.app, client=("203.0.113.9", 40000)),
            base_url="http://testserver",
        )
        async with local, remote:
            yield local, remote


async def test_metrics_are_for_this_machine_or_the_token_holder_only(
    sqlite_url: str, tmp_path: Path
) -> None:
    """A client elsewhere, or one relayed by a proxy on this machine, gets the same 404 as an
    unknown path, unless it shows the metrics token; this machine's own scraper needs none."""
    async with clients(sqlite_url, tmp_path) as (local, remote):
        samples(await local.get("/metrics"))
        problem(await remote.get("/metrics"), 404, "http.not_found")
        wrong = {"Authorization": "Bearer not-the-token-at-all-0000"}
        problem(await remote.get("/metrics", headers=wrong), 404, "http.not_found")
        relayed = {"X-Forwarded-For": "198.51.100.7"}
        problem(await local.get("/metrics", headers=relayed), 404, "http.not_found")
        problem(await local.get("/metrics", headers={"Forwarded": "for=1.2.3.4"}), 404)
        samples(await remote.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}))


async def test_sockets_events_and_backpressure_are_counted(sqlite_url: str, tmp_path: Path) -> None:
    """An open socket shows; events published are counted, and those written to sockets; a
    socket that cannot keep up and is closed for it is counted as a backpressure close."""
    async with node(sqlite_url, tmp_path, ws_queue_events=8) as server:
        http = server.http
        ana, bruno = await signup(http, "ana"), await signup(http, "bruno")
        ws = await workspace(http, ana)
        rooms = [(await channel(http, ws["id"], ana, f"sala-{n}"))["id"] for n in range(10)]
        invitation = ok(
            await http.post(
                f"/api/v1/workspaces/{ws['id']}/invitations",
                json={"role": "member", "channel_ids": rooms},
                headers=ana.headers,
            ),
            201,
        )
        async with opened(server, ana) as socket:
            before = samples(await http.get("/metrics"))
            assert value(before, "tertulia_websockets_open") == 1
            ok(
                await http.post(
                    "/api/v1/channels/" + rooms[0] + "/messages",
                    json={"text": "hola"},
                    headers=ana.headers,
                ),
                201,
            )
            await socket.next_event("message.created")
            accept = f"/api/v1/invitations/{invitation['token']}/accept"
            ok(await http.post(accept, headers=bruno.headers))
            assert (await socket.closed())[0] == 4000
        after = samples(await http.get("/metrics"))

    published = "tertulia_events_published_total"
    assert value(after, published) - value(before, published) >= 1 + 12
    delivered = "tertulia_events_delivered_total"
    assert value(after, delivered) - value(before, delivered) >= 1
    assert value(after, "tertulia_websockets_closed_backpressure_total") == 1
    assert value(after, "tertulia_websockets_open") == 0
    assert value(after, "tertulia_events_dispatched_total") >= value(after, published)


async def test_image_work_time_and_jobs_are_counted(sqlite_url: str, tmp_path: Path) -> None:
    """A photo's processing shows as an image job done, with its work time."""
    async with node(sqlite_url, tmp_path) as server:
        http = server.http
        ana = await signup(http, "ana")
        ws = await workspace(http, ana)
        picture = io.BytesIO()
        Image.linear_gradient("L").resize((300, 200)).save(picture, "PNG")
        file = ok(
            await http.post(
                f"/api/v1/workspaces/{ws['id']}/files",
                files={"file": ("plano.png", picture.getvalue())},
                headers=ana.headers,
            ),
            201,
        )
        for _ in range(300):
            got = ok(await http.get(f"/api/v1/files/{file['id']}", headers=ana.headers))
            if got["status"] != "processing":
                break
            await asyncio.sleep(0.05)
        found = samples(await http.get("/metrics"))

    assert value(found, "tertulia_jobs_total", kind="image", outcome="done") == 1
    assert value(found, "tertulia_image_work_seconds_count") == 1
    assert value(found, "tertulia_image_work_seconds_sum") > 0
    assert value(found, "tertulia_jobs_queued", kind="image") == 0


async def test_metrics_are_documented(client: AsyncClient) -> None:
    """/openapi.json lists /metrics with its text answer and its 404."""
    operation = ok(await client.get("/openapi.json"))["paths"]["/metrics"]["get"]
    assert "text/plain" in operation["responses"]["200"]["content"]
    assert "application/problem+json" in operation["responses"]["404"]["content"]
