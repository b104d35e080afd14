"""ClamAV's clamd for the tests: the real daemon on signatures of our own, and a twin that
misbehaves as a real clamd cannot be made to on cue.

The real one is Debian's clamav-daemon (`make test` installs it), started once per run on a
Unix socket and a free local TCP port (about a quarter of a second with our database). The
official signatures are 300 MB from the network, so it loads a directory holding two of ours:
a body signature for the EICAR test file, found anywhere in a stream, and a hash signature for
WHOLE, found only if clamd received exactly those bytes. clamd adds `.UNOFFICIAL` to their
names. It takes streams of at most STREAM_MAX bytes.

The twin speaks just enough of clamd's protocol to fail: it stays silent, answers nonsense, or
hangs up without an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tests import services
from tests.e2e.server import free_port

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EICAR_NAME = "Tertulia.Test.EICAR.UNOFFICIAL"
WHOLE = bytes(range(256)) * 2000  # over the adapter's largest piece, so it goes in several
WHOLE_NAME = "Tertulia.Test.Whole.UNOFFICIAL"
STREAM_MAX = 1024 * 1024  # clamd's StreamMaxLength here


@dataclass(frozen=True)
class Daemon:
    """A running clamd: where to reach it, and its log."""

    tcp_url: str
    unix_url: str
    log: Path


def _binary() -> str | None:
    """clamd, which is in sbin and so not always on a user's PATH."""
    found = shutil.which("clamd")
    for path in ("/usr/sbin/clamd", "/usr/local/sbin/clamd"):
        if found is None and Path(path).is_file():
            found = path
    return found


def _ending_with_us() -> Callable[[], None]:
    """What the child runs before clamd starts, so that if the test run dies without stopping
    it (killed, say), clamd gets SIGTERM rather than lingering. Linux only; elsewhere nothing."""
    parent = os.getpid()
    try:
        prctl = ctypes.CDLL(None).prctl  # looked up here: the child should only call it
    except AttributeError:
        return lambda: None

    def in_child() -> None:
        prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
        if os.getppid() != parent:  # gone already
            os._exit(1)

    return in_child


def _pong(path: Path) -> bool:
    """Synchronously: the fixture may run inside the tests' event loop."""
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(1)
            sock.connect(str(path))
            sock.sendall(b"zPING\0")
            return sock.recv(16) == b"PONG\0"
    except OSError:
        return False


@contextmanager
def clamd_daemon(workdir: Path) -> Iterator[Daemon]:
    """A real clamd on our signatures, run as the current user, logging into `workdir`."""
    binary = _binary()
    if binary is None:
        services.unavailable("clamav", "no clamd binary (apt install clamav-daemon)")
    database, scratch = workdir / "db", workdir / "tmp"
    database.mkdir()
    scratch.mkdir()
    (database / "tertulia.ndb").write_text(f"Tertulia.Test.EICAR:0:*:{EICAR.hex()}\n")
    digest = hashlib.md5(WHOLE, usedforsecurity=False).hexdigest()
    (database / "tertulia.hdb").write_text(f"{digest}:{len(WHOLE)}:Tertulia.Test.Whole\n")
    port = free_port()
    log = workdir / "clamd.log"
    # a Unix socket's path has at most 107 bytes, and workdir may be deep
    with tempfile.TemporaryDirectory(prefix="clamd") as short:
        sock = Path(short) / "clamd.sock"
        config = workdir / "clamd.conf"
        config.write_text(
            "\n".join(
                [
                    "Foreground yes",  # and so it logs to stdout, into `log`
                    f"LocalSocket {sock}",
                    f"TCPSocket {port}",
                    "TCPAddr 127.0.0.1",
                    f"DatabaseDirectory {database}",
                    f"TemporaryDirectory {scratch}",
                    f"StreamMaxLength {STREAM_MAX}",
                    "SelfCheck 0",  # no database reloads in the middle of a run
                    "LogTime yes",
                    "",
                ]
            )
        )
        with log.open("wb") as output:
            process = subprocess.Popen(  # noqa: S603 - the system's clamd on our own config
                [binary, "--config-file", str(config)],
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=workdir,
                preexec_fn=_ending_with_us(),
            )
        try:
            deadline = time.monotonic() + 60  # a database of two signatures loads in well under
            while not _pong(sock):
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = log.read_text(errors="replace")[-800:]
                    services.unavailable("clamav", f"clamd did not start: {tail}")
                time.sleep(0.05)
            yield Daemon(f"tcp://127.0.0.1:{port}", f"unix://{sock}", log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class Twin:
    """A server where clamd should be, failing in one way (`hangup`: gone once it has the
    command)."""

    mode: Literal["silent", "garbage", "hangup"]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\0")  # the command
            if self.mode == "garbage":
                writer.write(b"HTTP/1.1 400 Bad Request\0")
                await writer.drain()
            elif self.mode == "silent":
                await reader.read()  # takes everything, says nothing, until the client gives up
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass  # the client hung up
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


@asynccontextmanager
async def clamd_twin(mode: Literal["silent", "garbage", "hangup"]) -> AsyncIterator[str]:
    """A misbehaving clamd on a free local TCP port; yields the URL ClamdScanner takes."""
    server = await asyncio.start_server(Twin(mode).handle, "127.0.0.1", 0)
    async with server:
        yield f"tcp://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        server.close()
