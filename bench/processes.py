"""Servers for the benches: a free port, pinning to a core, a process that serves until the
block ends."""

from __future__ import annotations

import os
import resource
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pinned(core: int | None) -> list[str]:
    """The command prefix that runs a program on one core (nothing if not pinning)."""
    return ["taskset", "-c", str(core)] if core is not None and shutil.which("taskset") else []


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raise_fd_limit() -> None:
    """As many open files as allowed: thousands of sockets."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@contextmanager
def serving(command: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[int]:
    """Run a server (its output to `log`) until the block ends, once it answers on `port`;
    yields its pid."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            preexec_fn=raise_fd_limit,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
                    break
                except httpx.TransportError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            f"server did not start: {log.read_text()[-2000:]}"
                        ) from None
                    time.sleep(0.2)
            yield process.pid
        finally:
            process.terminate()
            process.wait(timeout=60)
