"""The clamd adapter against a twin of clamd (tests/clamd.py), over TCP and a Unix socket.

ClamAV itself is not on this machine (it needs a daemon and about 300 MB of signatures, and
none may be installed here), so these tests pin the wire protocol instead: the twin parses
INSTREAM's length-prefixed chunks as clamd does, enforces a size limit and knows the EICAR
test signature. What the tests cannot show is that a real clamd agrees; see the module
docstring of tests/clamd.py for what the twin does.
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tertulia.adapters.clamav import ClamdScanner
from tertulia.usecases.ports import ScannerUnavailable, TooLargeToScan
from tests.clamd import EICAR, EICAR_NAME, clamd


async def chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A directory with a short path: a Unix socket's path has at most 107 bytes."""
    with tempfile.TemporaryDirectory(prefix="clamd") as path:
        yield Path(path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_clean_bytes_pass_and_arrive_whole() -> None:
    """Clean bytes are reported clean, and clamd received exactly them, however chunked."""
    data = bytes(range(256)) * 2000  # over the adapter's largest piece: split in two
    async with clamd() as twin:
        scanner = ClamdScanner(twin.url)
        assert await scanner.scan(chunks(data, 300_000)) is None
        assert await scanner.scan(chunks(b"")) is None  # nothing at all: still an answer
    assert twin.scanned == [data, b""]


async def test_eicar_is_found_by_name() -> None:
    """The EICAR test file, even inside other bytes and split across chunks, is named."""
    data = b"hello " * 100 + EICAR + b"\n"
    async with clamd() as twin:
        assert await ClamdScanner(twin.url).scan(chunks(data, 7)) == EICAR_NAME


async def test_empty_chunks_do_not_end_the_stream() -> None:
    """An empty chunk from the source is skipped: sent, it would end the stream early."""

    async def gappy() -> AsyncIterator[bytes]:
        yield b"abc"
        yield b""
        yield EICAR

    async with clamd() as twin:
        assert await ClamdScanner(twin.url).scan(gappy()) == EICAR_NAME


async def test_a_stream_over_clamds_limit_cannot_be_scanned() -> None:
    """Over clamd's StreamMaxLength, clamd refuses and hangs up: TooLargeToScan (or, if the
    hang-up beat the answer, ScannerUnavailable), never a clean verdict."""
    async with clamd(max_bytes=10_000) as twin:
        scanner = ClamdScanner(twin.url, timeout=5)
        with pytest.raises(TooLargeToScan):  # the answer comes before all is sent
            await scanner.scan(chunks(b"x" * 10_001, 10_001))
        with pytest.raises(ScannerUnavailable):  # clamd hangs up mid-stream
            await scanner.scan(chunks(b"x" * 5_000_000, 50_000))
        assert await scanner.scan(chunks(b"x" * 10_000)) is None  # at the limit: scanned


async def test_the_adapters_own_limit_sends_nothing_too_big() -> None:
    """With max_bytes, a stream over it is refused before clamd receives all of it."""
    async with clamd() as twin:
        with pytest.raises(TooLargeToScan):
            await ClamdScanner(twin.url, max_bytes=1000).scan(chunks(b"x" * 1001))
    assert twin.scanned == []


async def test_a_scanner_that_is_down_is_unavailable() -> None:
    """Nothing listening on the port (or at the socket path): ScannerUnavailable at once."""
    with pytest.raises(ScannerUnavailable):
        await ClamdScanner(f"tcp://127.0.0.1:{free_port()}").scan(chunks(b"x"))
    with pytest.raises(ScannerUnavailable):
        await ClamdScanner("unix:///nonexistent/clamd.ctl").ping()


async def test_a_scanner_that_never_answers_times_out() -> None:
    """A clamd that takes the bytes and says nothing: ScannerUnavailable within the timeout."""
    async with clamd(mode="silent") as twin:
        started = time.monotonic()
        with pytest.raises(ScannerUnavailable, match="in time"):
            await ClamdScanner(twin.url, timeout=0.3).scan(chunks(b"x" * 100))
        assert time.monotonic() - started < 3


async def test_a_listener_that_never_reads_times_out() -> None:
    """A peer that accepts but never reads: the writes stall, and the timeout ends them."""
    connected: list[asyncio.StreamWriter] = []

    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connected.append(writer)

    server = await asyncio.start_server(stall, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        with pytest.raises(ScannerUnavailable):
            await ClamdScanner(f"tcp://127.0.0.1:{port}", timeout=0.3).scan(
                chunks(b"x" * 50_000_000, 1_000_000)
            )
        for writer in connected:
            writer.close()


async def test_a_garbage_answer_is_unavailable() -> None:
    """Something that is not clamd (or a clamd error): ScannerUnavailable, never 'clean'."""
    async with clamd(mode="garbage") as twin:
        scanner = ClamdScanner(twin.url)
        with pytest.raises(ScannerUnavailable, match="400 Bad Request"):
            await scanner.scan(chunks(b"x"))
        with pytest.raises(ScannerUnavailable):
            await scanner.ping()


async def test_over_a_unix_socket(short_dir: Path) -> None:
    """The same protocol on a Unix socket, as clamd.ctl is usually reached."""
    async with clamd(short_dir / "clamd.ctl") as twin:
        scanner = ClamdScanner(twin.url)
        await scanner.ping()
        assert await scanner.scan(chunks(EICAR)) == EICAR_NAME
        assert await scanner.scan(chunks(b"fine")) is None


async def test_ping_answers_pong() -> None:
    """ping() succeeds on a live clamd (readiness checks)."""
    async with clamd() as twin:
        await ClamdScanner(twin.url).ping()


@pytest.mark.parametrize(
    "url",
    ["clamd://h:3310", "tcp://", "tcp://h:port", "tcp://h:3310/path", "unix://", "unix://h/p"],
)
def test_a_malformed_url_is_refused(url: str) -> None:
    """The URL is checked when the adapter is made, so a bad setting stops the start."""
    with pytest.raises(ValueError, match=r"use (tcp://HOST:PORT|unix:///PATH)"):
        ClamdScanner(url)


def test_the_port_defaults_to_clamds() -> None:
    """tcp://HOST means clamd's usual port, 3310."""
    scanner = ClamdScanner("tcp://scanner.internal")
    assert (scanner.host, scanner.port) == ("scanner.internal", 3310)
