"""Sustained posting: messages/s acknowledged after commit, with 50 authenticated clients.

    .venv/bin/python bench/send.py [--backend sqlite|postgres|both] [--seconds 20] [--profile]

The server runs pinned to core 0 and this load generator to core 1 (unless --no-pin). The
same run measures the ceiling: a bare FastAPI endpoint that validates a body and answers
(bench/bare.py), served the same way on the same core. Prints the figures and writes them
to bench/results/send.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import stages
from loadgen import Tally, request_bytes, run
from processes import cpu_seconds, free_port, pinned, serving

ROOT = Path(__file__).parent.parent
POSTGRES = os.environ.get("TERTULIA_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "bench-password-2026"


@contextmanager
def database(backend: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir}/bench.db"
        return
    import asyncpg

    name = f"tertulia_bench_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(POSTGRES)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            POSTGRES.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0]
            + f"/{name}"
        )
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def prepare(base: str, clients: int) -> tuple[str, list[str]]:
    """Register the posting clients, put them in one workspace; their tokens and #general."""
    with httpx.Client(base_url=f"{base}/api/v1", timeout=60) as http:
        tokens = []
        for n in range(clients):
            name = f"bench{n:03d}"
            r = http.post(
                "/auth/register",
                json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
            )
            r.raise_for_status()
            r = http.post("/auth/login", json={"login": name, "password": PASSWORD})
            r.raise_for_status()
            tokens.append(r.json()["access_token"])
        owner = {"Authorization": f"Bearer {tokens[0]}"}
        ws = http.post("/workspaces", json={"name": "Bench"}, headers=owner).json()
        invitation = http.post(
            f"/workspaces/{ws['id']}/invitations", json={"max_uses": 1000}, headers=owner
        ).json()
        for token in tokens[1:]:
            http.post(
                f"/invitations/{invitation['token']}/accept",
                headers={"Authorization": f"Bearer {token}"},
            ).raise_for_status()
        channels = http.get(f"/workspaces/{ws['id']}/channels", headers=owner).json()["items"]
        general = next(c["id"] for c in channels if c["is_default"])
    return general, tokens


def load(base: str, channel: str, tokens: list[str], seconds: float) -> Tally:
    host, port = base.removeprefix("http://").split(":")
    path = f"/api/v1/channels/{channel}/messages"
    headers = [
        {"Content-Type": "application/json", "Authorization": f"Bearer {token}"} for token in tokens
    ]
    run_id = uuid.uuid4().hex[:6]

    def make(client: int, n: int) -> bytes:
        body = json.dumps(
            {
                "text": f"Mensaje {n} del cliente {client}: revisamos el **diseño** mañana.",
                "client_msg_id": f"{run_id}-{client}-{n}",
            }
        ).encode()
        return request_bytes("POST", path, f"{host}:{port}", headers[client], body)

    tally, _ = asyncio.run(run(host, int(port), len(tokens), seconds, make))
    return tally


def persisted(url: str) -> int:
    """Messages in the database, counted directly."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.split("///", 1)[1]) as conn:
            return int(conn.execute("SELECT count(*) FROM messages").fetchone()[0])
    import asyncpg

    async def count() -> int:
        conn = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            return int(await conn.fetchval("SELECT count(*) FROM messages"))
        finally:
            await conn.close()

    return asyncio.run(count())


def figures(tally: Tally, seconds: float) -> dict[str, Any]:
    return {
        "per_second": round(tally.ok() / seconds, 1),
        "ok": tally.ok(),
        "statuses": tally.statuses,
        "errors": tally.errors,
        "p50_ms": round(tally.percentile(50) * 1000, 1),
        "p99_ms": round(tally.percentile(99) * 1000, 1),
    }


def measure_backend(backend: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    with database(backend, workdir) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TERTULIA_")}
        env.update(
            TERTULIA_DATABASE_URL=url,
            TERTULIA_DATA_DIR=str(workdir),
            TERTULIA_REGISTRATIONS_PER_ADDRESS_PER_HOUR="100000",
            TERTULIA_LOGIN_ATTEMPTS_PER_ADDRESS="100000",
            TERTULIA_LOG_LEVEL=args.log_level,
            TERTULIA_DB_POOL_SIZE=str(args.pool),
            # the limits are counted (their cost is part of the figure) but never reached
            TERTULIA_RATE_LIMITS=json.dumps(
                dict.fromkeys(
                    ("write", "message.post", "message.post_in_channel"),
                    "1000000000/60" if args.limits == "counted" else "off",
                )
            ),
        )
        subprocess.run(
            [sys.executable, "-m", "tertulia", "migrate"], env=env, check=True, capture_output=True
        )
        port = free_port()
        env["TERTULIA_PORT"] = str(port)
        server = ["-m", "tertulia", "serve"]
        if args.profile:
            server = [str(ROOT / "bench" / "profiled.py"), str(workdir / f"{backend}.prof")]
        command = [*pinned(args.server_core), sys.executable, *server]
        with serving(command, env, port, workdir / f"{backend}.log") as pid:
            base = f"http://127.0.0.1:{port}"
            channel, tokens = prepare(base, args.clients)
            before = persisted(url)
            cpu = cpu_seconds(pid)
            tally = load(base, channel, tokens, args.seconds)
            cpu = cpu_seconds(pid) - cpu
            stored = persisted(url) - before
        result = figures(tally, args.seconds)
        result["persisted_during_run"] = stored  # includes the warm-up's messages
        # the server's CPU per message: what the hot path costs, however busy the machine is
        result["server_cpu_us_per_message"] = round(cpu / max(1, stored) * 1e6)
        if args.profile:  # written by the server as it stopped; kept for a closer look
            kept = ROOT / "bench" / "results" / f"send-{backend}.prof"
            kept.parent.mkdir(exist_ok=True)
            shutil.copyfile(workdir / f"{backend}.prof", kept)
            result["profile"] = stages.breakdown(str(kept))
            stages.show(result["profile"])
            print(f"profile kept in {kept.relative_to(ROOT)} (python -m pstats)")
        return result


def measure_ceiling(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    port = free_port()
    command = [
        *pinned(args.server_core),
        sys.executable,
        "-m",
        "uvicorn",
        "bare:app",
        "--app-dir",
        str(ROOT / "bench"),
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with serving(command, dict(os.environ), port, workdir / "bare.log"):
        base = f"http://127.0.0.1:{port}"
        tally = load(base, "C" * 26, ["x"] * args.clients, args.seconds)
    return figures(tally, args.seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--pool", type=int, default=20, help="database pool per process")
    parser.add_argument("--log-level", default="info", help="the server's (info logs each request)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to cores 0 and 1")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run the server under cProfile and say where its time went (slower: compare "
        "shares, not rates)",
    )
    parser.add_argument(
        "--limits",
        choices=["counted", "off"],
        default="counted",
        help="rate limits counted (never reached), or off: what they cost the hot path",
    )
    args = parser.parse_args()
    args.server_core = None if args.no_pin else 0
    if not args.no_pin:
        os.sched_setaffinity(0, {1})
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results: dict[str, Any] = {
        "clients": args.clients,
        "seconds": args.seconds,
        "pinned": not args.no_pin,
        "rate_limits": args.limits,
    }
    with tempfile.TemporaryDirectory(prefix="tertulia-bench-") as tmp:
        workdir = Path(tmp)
        results["ceiling"] = measure_ceiling(args, workdir)
        print(f"ceiling (bare FastAPI): {results['ceiling']['per_second']:.0f} req/s")
        for backend in backends:
            r = measure_backend(backend, args, workdir)
            r["share_of_ceiling"] = round(r["per_second"] / results["ceiling"]["per_second"], 3)
            results[backend] = r
            print(
                f"{backend:8} {r['per_second']:7.0f} messages/s  p50 {r['p50_ms']} ms  "
                f"p99 {r['p99_ms']} ms  ({r['share_of_ceiling']:.0%} of the ceiling)  "
                f"statuses {r['statuses']}  persisted {r['persisted_during_run']}  "
                f"server CPU {r['server_cpu_us_per_message']} µs/message"
            )
    out = ROOT / "bench" / "results" / "send.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
