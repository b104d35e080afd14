"""The clamd adapter against a real clamd, over TCP and a Unix socket (see tests/clamd.py for
its signatures and limit), and against a twin of clamd for the failures a real one cannot be
made to show on cue: silence, nonsense, hanging up without an answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from tertulia.adapters.clamav import ClamdScanner
from tertulia.usecases.ports.files import ScannerUnavailable, TooLargeToScan
from tests.clamd import EICAR, EICAR_NAME, STREAM_MAX, WHOLE, WHOLE_NAME, Daemon, clamd_twin
from tests.e2e.server import free_port


async def chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture(params=["tcp", "unix"])
def clamd_url(request: pytest.FixtureRequest, clamd: Daemon) -> str:
    """The real clamd's address, over TCP and over its Unix socket."""
    return clamd.tcp_url if request.param == "tcp" else clamd.unix_url


async def test_ping_answers_pong(clamd_url: str) -> None:
    """ping() succeeds on a live clamd (readiness checks)."""
    await ClamdScanner(clamd_url).ping()


async def test_clean_bytes_are_clean_and_arrive_whole(clamd_url: str) -> None:
    """Clean bytes, even none at all, are reported clean; and bytes reach clamd whole and in
    order however they are chunked (clamd's hash signature for WHOLE matches only then)."""
    scanner = ClamdScanner(clamd_url)
    assert await scanner.scan(chunks(b"just a report, nothing more\n")) is None
    assert await scanner.scan(chunks(b"")) is None
    assert await scanner.scan(chunks(WHOLE, 300_000)) == WHOLE_NAME  # pieces cut by the adapter
    assert await scanner.scan(chunks(WHOLE, 7777)) == WHOLE_NAME


async def test_eicar_is_found_by_name(clamd_url: str) -> None:
    """The EICAR test file, even inside other bytes and split across chunks, is named."""
    data = b"hello " * 100 + EICAR + b"\n"
    assert await ClamdScanner(clamd_url).scan(chunks(data, 7)) == EICAR_NAME


async def test_empty_chunks_do_not_end_the_stream(clamd_url: str) -> None:
    """An empty chunk from the source is skipped: sent, it would end the stream early."""

    async def gappy() -> AsyncIterator[bytes]:
        yield b"abc"
        yield b""
        yield EICAR

    assert await ClamdScanner(clamd_url).scan(gappy()) == EICAR_NAME


async def test_a_stream_over_clamds_limit_cannot_be_scanned(clamd_url: str) -> None:
    """Over clamd's StreamMaxLength clamd refuses and hangs up on the rest: TooLargeToScan,
    however far the stream goes on, never a clean verdict nor a scanner that seems down."""
    scanner = ClamdScanner(clamd_url, timeout=5)
    with pytest.raises(TooLargeToScan):  # the last chunk passes the limit
        await scanner.scan(chunks(b"x" * (STREAM_MAX + 1), STREAM_MAX + 1))
    for _ in range(3):  # clamd hangs up while megabytes are still coming
        with pytest.raises(TooLargeToScan):
            await scanner.scan(chunks(b"x" * 5 * STREAM_MAX, 50_000))
    assert await scanner.scan(chunks(b"x" * STREAM_MAX, 50_000)) is None  # at the limit


async def test_a_scan_cut_short_closes_its_source(clamd_url: str) -> None:
    """When clamd refuses a stream part way, the source of its chunks is closed there and
    then: an upload's file is not left open until the garbage collector comes."""
    closed: list[bool] = []

    async def endless() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"x" * 50_000
        finally:
            closed.append(True)

    with pytest.raises(TooLargeToScan):
        await ClamdScanner(clamd_url).scan(endless())
    assert closed == [True]


async def test_the_adapters_own_limit_refuses_first(clamd_url: str) -> None:
    """With max_bytes, a stream over it is refused by the adapter, though clamd takes it."""
    with pytest.raises(TooLargeToScan):
        await ClamdScanner(clamd_url, max_bytes=1000).scan(chunks(b"x" * 1001))
    assert await ClamdScanner(clamd_url).scan(chunks(b"x" * 1001)) is None


async def test_scans_at_once_get_their_own_verdicts(clamd: Daemon) -> None:
    """Several uploads scanned together, over both sockets, each get the verdict for their
    own bytes."""
    samples = [EICAR, b"clean", WHOLE, b"x" * 100_000] * 3
    scanners = [ClamdScanner(clamd.tcp_url), ClamdScanner(clamd.unix_url)]
    verdicts = await asyncio.gather(
        *(scanners[i % 2].scan(chunks(data, 4096)) for i, data in enumerate(samples))
    )
    assert verdicts == [EICAR_NAME, None, WHOLE_NAME, None] * 3


async def test_a_scanner_that_is_down_is_unavailable() -> None:
    """Nothing listening on the port (or at the socket path): ScannerUnavailable at once."""
    with pytest.raises(ScannerUnavailable, match="cannot reach"):
        await ClamdScanner(f"tcp://127.0.0.1:{free_port()}").scan(chunks(b"x"))
    with pytest.raises(ScannerUnavailable, match="cannot reach"):
        await ClamdScanner("unix:///nonexistent/clamd.ctl").ping()


async def test_a_scanner_that_never_answers_times_out() -> None:
    """A clamd that takes the bytes and says nothing: ScannerUnavailable within the timeout."""
    async with clamd_twin("silent") as url:
        started = time.monotonic()
        with pytest.raises(ScannerUnavailable, match="in time"):
            await ClamdScanner(url, timeout=0.3).scan(chunks(b"x" * 100))
        assert time.monotonic() - started < 3


async def test_a_scanner_that_hangs_up_is_unavailable() -> None:
    """A clamd that drops the connection without a word (it crashed, say):
    ScannerUnavailable, never 'clean'."""
    async with clamd_twin("hangup") as url:
        with pytest.raises(ScannerUnavailable, match="no answer"):
            await ClamdScanner(url, timeout=5).scan(chunks(b"x" * 5_000_000, 50_000))
        with pytest.raises(ScannerUnavailable, match="no answer"):
            await ClamdScanner(url, timeout=5).ping()


async def test_a_listener_that_never_reads_times_out() -> None:
    """A peer that accepts but never reads: the writes stall, and the timeout ends them."""
    connected: list[asyncio.StreamWriter] = []

    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connected.append(writer)

    server = await asyncio.start_server(stall, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        started = time.monotonic()
        try:
            with pytest.raises(ScannerUnavailable, match="stopped reading"):
                await ClamdScanner(f"tcp://127.0.0.1:{port}", timeout=0.3).scan(
                    chunks(b"x" * 50_000_000, 1_000_000)
                )
        finally:
            for writer in connected:
                writer.close()
        assert time.monotonic() - started < 3


async def test_a_garbage_answer_is_unavailable() -> None:
    """Something that is not clamd (or a clamd error): ScannerUnavailable, never 'clean'."""
    async with clamd_twin("garbage") as url:
        scanner = ClamdScanner(url)
        with pytest.raises(ScannerUnavailable, match="400 Bad Request"):
            await scanner.scan(chunks(b"x"))
        with pytest.raises(ScannerUnavailable, match="400 Bad Request"):
            await scanner.ping()


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
