"""Real server processes for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

TERTULIA = [sys.executable, "-m", "tertulia"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TERTULIA_")}
    env.update(
        TERTULIA_DATA_DIR=str(data_dir),
        TERTULIA_DATABASE_URL=f"sqlite+aiosqlite:///{data_dir}/tertulia.db",
        **extra,
    )
    return env


@contextmanager
def running_server(env: dict[str, str], log: Path) -> Iterator[str]:
    """`tertulia serve` on a free port until the block ends; yields its base URL."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*TERTULIA, "serve", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start:\n{log.read_text()}")
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=15)
