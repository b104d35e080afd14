"""Real server processes for end-to-end tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tertulia.usecases.limits import Action

TERTULIA = [sys.executable, "-m", "tertulia"]

UNLIMITED = "1000000"
# a server for tests that drive it hard: no limit a person could meet, and the cheapest
# Argon2id (a login is a few ms, not a few hundred): the tests are about answers, not strength
UNLIMITED_SETTINGS = {
    "TERTULIA_RATE_LIMITS": json.dumps(dict.fromkeys(Action, "off")),
    "TERTULIA_LOGIN_ATTEMPTS_PER_ADDRESS": UNLIMITED,
    "TERTULIA_LOGIN_ATTEMPTS_PER_ACCOUNT": UNLIMITED,
    "TERTULIA_LOGIN_ATTEMPTS_PER_ACCOUNT_TOTAL": UNLIMITED,
    "TERTULIA_REGISTRATIONS_PER_ADDRESS_PER_HOUR": UNLIMITED,
    "TERTULIA_ARGON2_MEMORY_KIB": "8",
    "TERTULIA_ARGON2_TIME_COST": "1",
}


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
    )
    env.update(extra)
    return env


@contextmanager
def running_server(env: dict[str, str], log: Path) -> Iterator[str]:
    """`tertulia serve` on a free port until the block ends (then SIGTERM); its base URL."""
    server = ServerProcess(env, log)
    server.start()
    try:
        yield server.base
    finally:
        server.terminate()


class ServerProcess:
    """`tertulia serve` as a process of its own that a test can kill -9 and start again on
    the same port and database."""

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None) -> None:
        self.env = env
        self.log = log
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/api/v1/ws"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*TERTULIA, "serve", "--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{self.base}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{self.log.read_text()}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, nothing."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=15)

    def terminate(self) -> int:
        """SIGTERM, as a deploy or a container stop sends; the exit status."""
        assert self.process is not None
        self.process.terminate()
        return self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=15)
