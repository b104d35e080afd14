"""Upload throughput: multipart and tus uploads to local disk and to S3, through the server.

    .venv/bin/python bench/uploads.py [--store local|s3|both] [--small 200] [--large 6]

The server (SQLite, pinned to core 0) stores files on local disk, or on a real S3 server
(SeaweedFS, as in the tests); this client runs on core 1. For each store it measures, with
incompressible bytes (so nothing is a shortcut): many small multipart uploads (1 MiB, 8 at a
time: files/s and MiB/s), large multipart uploads (64 MiB, 3 at a time: MiB/s), and large tus
uploads (64 MiB in 8 MiB PATCHes, 3 at a time: MiB/s), each file checked by its size once
stored. Prints the figures with the server's peak memory (an upload is streamed, never held
whole), and writes bench/results/uploads.json.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
from processes import free_port, pinned, serving

ROOT = Path(__file__).parent.parent
PASSWORD = "bench-password-2026"
MIB = 1024 * 1024


def payload(size: int, seed: int) -> bytes:
    """Incompressible bytes, different for every file (no deduplication)."""
    return seed.to_bytes(8, "big") + os.urandom(size - 8)


@contextmanager
def store(kind: str, workdir: Path) -> Iterator[dict[str, str]]:
    """The environment that points the server at the store."""
    if kind == "local":
        yield {"TERTULIA_BLOBS_URL": f"file://{workdir / 'files'}"}
        return
    from tests.s3 import s3_server

    (workdir / "s3").mkdir(exist_ok=True)
    with s3_server(workdir / "s3") as location:
        host = location.endpoint.removeprefix("http://")
        yield {
            "TERTULIA_BLOBS_URL": f"s3://{location.bucket}/bench?endpoint=http://{host}",
            "TERTULIA_S3_ACCESS_KEY": location.access_key,
            "TERTULIA_S3_SECRET_KEY": location.secret_key,
        }


def account(base: str) -> tuple[dict[str, str], str]:
    with httpx.Client(base_url=f"{base}/api/v1", timeout=60) as http:
        http.post(
            "/auth/register",
            json={"username": "subidas", "email": "subidas@example.com", "password": PASSWORD},
        ).raise_for_status()
        token = http.post("/auth/login", json={"login": "subidas", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        ws = http.post("/workspaces", json={"name": "Bench"}, headers=headers).json()
    return headers, ws["id"]


async def _pool(jobs: list[Any], at_once: int, one: Any) -> list[float]:
    """Run `one` over the jobs, `at_once` at a time; each one's seconds."""
    queue = list(jobs)
    took: list[float] = []

    async def worker() -> None:
        while queue:
            job = queue.pop()
            started = time.perf_counter()
            await one(job)
            took.append(time.perf_counter() - started)

    await asyncio.gather(*(worker() for _ in range(at_once)))
    return took


async def multipart(
    base: str, headers: dict[str, str], ws: str, size: int, count: int, at_once: int
) -> dict[str, Any]:
    bodies = [payload(size, n) for n in range(count)]
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=300) as http:

        async def one(n: int) -> None:
            r = await http.post(
                f"/api/v1/workspaces/{ws}/files",
                files={"file": (f"datos-{n}.bin", bodies[n], "application/octet-stream")},
            )
            if r.status_code != 201 or r.json()["size"] != size:
                raise RuntimeError(f"upload failed: {r.status_code} {r.text[:300]}")

        started = time.perf_counter()
        took = await _pool(list(range(count)), at_once, one)
        seconds = time.perf_counter() - started
    return _figures(size, count, seconds, took)


async def tus(
    base: str,
    headers: dict[str, str],
    ws: str,
    size: int,
    count: int,
    at_once: int,
    chunk: int,
) -> dict[str, Any]:
    bodies = [payload(size, 10_000 + n) for n in range(count)]
    tus_headers = {**headers, "Tus-Resumable": "1.0.0"}
    async with httpx.AsyncClient(base_url=base, headers=tus_headers, timeout=300) as http:

        async def one(n: int) -> None:
            name = base64.b64encode(f"grande-{n}.bin".encode()).decode()
            created = await http.post(
                f"/api/v1/workspaces/{ws}/uploads",
                headers={"Upload-Length": str(size), "Upload-Metadata": f"filename {name}"},
            )
            if created.status_code != 201:
                raise RuntimeError(f"create failed: {created.status_code} {created.text[:300]}")
            where = created.headers["location"]
            for offset in range(0, size, chunk):
                r = await http.patch(
                    where,
                    content=bodies[n][offset : offset + chunk],
                    headers={
                        "Upload-Offset": str(offset),
                        "Content-Type": "application/offset+octet-stream",
                    },
                )
                if r.status_code != 204:
                    raise RuntimeError(f"PATCH failed: {r.status_code} {r.text[:300]}")
            if "tertulia-file-id" not in r.headers:
                raise RuntimeError("the last PATCH made no file")

        started = time.perf_counter()
        took = await _pool(list(range(count)), at_once, one)
        seconds = time.perf_counter() - started
    return _figures(size, count, seconds, took)


def _figures(size: int, count: int, seconds: float, took: list[float]) -> dict[str, Any]:
    took.sort()
    return {
        "files": count,
        "file_mib": round(size / MIB, 1),
        "seconds": round(seconds, 2),
        "files_per_second": round(count / seconds, 1),
        "mib_per_second": round(size * count / MIB / seconds, 1),
        "p50_s": round(took[len(took) // 2], 3),
        "max_s": round(took[-1], 3),
    }


def rss_mib(pid: int, field: str = "VmHWM") -> float:
    """The process's peak (VmHWM) or present (VmRSS) resident memory."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def measure(kind: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    with store(kind, workdir) as blobs:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TERTULIA_")}
        env.update(
            blobs,
            TERTULIA_DATABASE_URL=f"sqlite+aiosqlite:///{workdir}/bench-{kind}.db",
            TERTULIA_DATA_DIR=str(workdir),
            TERTULIA_LOG_LEVEL="warning",
            TERTULIA_FILE_MAX_BYTES=str(512 * MIB),
        )
        subprocess.run(
            [sys.executable, "-m", "tertulia", "migrate"], env=env, check=True, capture_output=True
        )
        port = free_port()
        env["TERTULIA_PORT"] = str(port)
        command = [*pinned(args.server_core), sys.executable, "-m", "tertulia", "serve"]
        with serving(command, env, port, workdir / f"{kind}.log") as pid:
            base = f"http://127.0.0.1:{port}"
            headers, ws = account(base)
            idle = rss_mib(pid, "VmRSS")
            results: dict[str, Any] = {
                "small multipart": asyncio.run(multipart(base, headers, ws, MIB, args.small, 8)),
                "large multipart": asyncio.run(
                    multipart(base, headers, ws, 64 * MIB, args.large, 3)
                ),
                "large tus": asyncio.run(tus(base, headers, ws, 64 * MIB, args.large, 3, 8 * MIB)),
            }
            results["server_idle_rss_mib"] = idle
            results["server_peak_rss_mib"] = rss_mib(pid)
        return results


def report(kind: str, figures: dict[str, Any]) -> None:
    print(
        f"\n{kind}: server RSS {figures['server_idle_rss_mib']} MiB before the uploads,"
        f" {figures['server_peak_rss_mib']} MiB at most"
    )
    print(f"  {'':18} {'files':>6} {'MiB each':>9} {'files/s':>8} {'MiB/s':>7} {'p50 s':>7}")
    for name in ("small multipart", "large multipart", "large tus"):
        f = figures[name]
        print(
            f"  {name:18} {f['files']:>6} {f['file_mib']:>9} {f['files_per_second']:>8}"
            f" {f['mib_per_second']:>7} {f['p50_s']:>7}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", choices=["local", "s3", "both"], default="both")
    parser.add_argument("--small", type=int, default=200, help="1 MiB uploads")
    parser.add_argument("--large", type=int, default=6, help="64 MiB uploads of each kind")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to cores 0 and 1")
    args = parser.parse_args()
    args.server_core = None if args.no_pin else 0
    if not args.no_pin and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {1})
    stores = ["local", "s3"] if args.store == "both" else [args.store]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="tertulia-uploads-") as tmp:
        for kind in stores:
            results[kind] = measure(kind, args, Path(tmp))
            report(kind, results[kind])
    out = ROOT / "bench" / "results" / "uploads.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
