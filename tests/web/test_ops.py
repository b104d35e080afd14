"""Operations: probes, request ids, safe headers, and errors for unknown paths."""

from __future__ import annotations

import asyncio
import gc
import re
from pathlib import Path

from asgi_lifespan import LifespanManager
from httpx import AsyncClient

from tertulia.bootstrap import create_app
from tests.conftest import settings_for
from tests.live import free_port, node
from tests.twins import FastHasher
from tests.web.api import ok, problem


async def test_probes_report_alive_and_ready(client: AsyncClient) -> None:
    """Load balancers see the process alive and its database reachable."""
    assert ok(await client.get("/healthz"))["status"] == "ok"
    ready = ok(await client.get("/readyz"))
    assert ready["checks"] == {"database": "ok", "broker": "ok"}


async def test_a_node_whose_broker_is_down_is_alive_but_not_ready(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Redis unreachable: the node starts (its listener keeps retrying) and answers /healthz,
    but /readyz tells the load balancer to send nobody, naming the broker."""
    closed = free_port()  # bound, never listening: connections are refused
    port = closed.getsockname()[1]
    try:
        async with node(sqlite_url, tmp_path, broker_url=f"redis://127.0.0.1:{port}/0") as down:
            assert ok(await down.http.get("/healthz"))["status"] == "ok"
            refused = problem(await down.http.get("/readyz"), 503, "not_ready")
            assert "broker" in refused["detail"]
    finally:
        closed.close()


async def test_every_response_carries_a_request_id_to_quote(client: AsyncClient) -> None:
    """A sane client request id is echoed; otherwise one is made; errors include it too."""
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-12345678"})
    assert echoed.headers["x-request-id"] == "abc-12345678"
    made = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert made.headers["x-request-id"] != "bad id\twith spaces"
    assert len(made.headers["x-request-id"]) == 16
    error = await client.get("/api/v1/users/me", headers={"X-Request-ID": "trace-0000042"})
    assert problem(error, 401)["request_id"] == "trace-0000042"


async def test_api_responses_are_not_cached_or_sniffed(client: AsyncClient) -> None:
    """Tokens and private data never sit in a shared cache; browsers never guess types."""
    response = await client.post("/api/v1/auth/login", json={"login": "x", "password": "y"})
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_unknown_paths_and_methods_are_problems_too(client: AsyncClient) -> None:
    """Even a typo in the URL gets a problem document, not an HTML page or a bare string."""
    problem(await client.get("/api/v1/nothing-here"), 404, "http.not_found")
    problem(await client.put("/api/v1/auth/login"), 405, "http.method_not_allowed")


async def test_the_server_runs_full_collections_on_its_own_schedule(
    sqlite_url: str, tmp_path: Path
) -> None:
    """`tertulia serve` takes full passes of the cycle collector off the allocation count
    and runs them every so often on its loop (here every 50 ms), and stops when it stops."""
    full: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            full.append(info["collected"])

    app = create_app(settings_for(sqlite_url, tmp_path), hasher=FastHasher(), collect_every=0.05)
    gc.disable()  # no collection but the app's own
    gc.callbacks.append(seen)
    try:
        async with LifespanManager(app):
            for _ in range(100):  # a full pass of this test process takes a while
                if len(full) >= 3:
                    break
                await asyncio.sleep(0.05)
        during = len(full)
        await asyncio.sleep(0.3)
    finally:
        gc.callbacks.remove(seen)
        gc.enable()

    assert during >= 3
    assert len(full) == during


EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
REFERENCED = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


async def test_docs_and_redoc_work_offline_from_our_own_files(client: AsyncClient) -> None:
    """/docs and /redoc reference no other site; every file they load is served by us, and
    their Content-Security-Policy allows scripts from us only."""
    for page in ("/docs", "/redoc"):
        response = await client.get(page)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert not EXTERNAL.search(response.text), response.text
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy
        assert "http" not in policy
        assert "unsafe-eval" not in policy
        assets = REFERENCED.findall(response.text)
        assert assets
        for path in assets:
            assert path.startswith("/docs/assets/")
            asset = await client.get(path)
            assert asset.status_code == 200, path
            assert len(asset.content) > 100
            kind = asset.headers["content-type"]
            assert kind.split(";")[0] in ("text/javascript", "text/css", "image/png"), kind
    swagger = (await client.get("/docs/assets/swagger-ui-bundle.js")).text
    assert "SwaggerUIBundle" in swagger
    assert "Redoc" in (await client.get("/docs/assets/redoc.standalone.js")).text
    problem(await client.get("/docs/assets/..%2F..%2Fconfig.py"), 404)
    problem(await client.get("/docs/assets/core.py"), 404)


async def test_every_response_says_send_no_referrer(client: AsyncClient) -> None:
    """No response lets a browser tell another site which of our addresses linked to it
    (invitation links and signed downloads hold secrets)."""
    for path in ("/healthz", "/docs", "/", "/demo", "/api/v1/users/me", "/nothing-here"):
        response = await client.get(path)
        assert response.headers["referrer-policy"] == "no-referrer", path


async def test_a_json_body_without_its_content_type_is_told_so(client: AsyncClient) -> None:
    """A body sent as a form (curl -d without -H) or with no content type gets a 415 saying
    to send Content-Type: application/json, and nothing is created."""
    body = b'{"username":"ana","email":"ana@example.com","password":"violeta-azul-42!"}'
    for headers in (
        {},
        {"content-type": "application/x-www-form-urlencoded"},
        {"content-type": "text/plain"},
    ):
        refused = await client.post("/api/v1/auth/register", content=body, headers=headers)
        assert (
            "Content-Type: application/json"
            in problem(refused, 415, "request.content_type")["detail"]
        )
    created = await client.post(
        "/api/v1/auth/register", content=body, headers={"content-type": "application/json"}
    )
    assert created.status_code == 201, created.text
    spec = ok(await client.get("/openapi.json"))
    assert "415" in spec["paths"]["/api/v1/auth/register"]["post"]["responses"]
