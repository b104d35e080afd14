"""Virus scanning over HTTP, with TERTULIA_CLAMAV_URL pointing at a real clamd (tests/clamd.py):
what a client sees for an infected file, a clean one, one too big to scan, and any file while
the scanner is down."""

from __future__ import annotations

from pathlib import Path

import pytest
from httpx import AsyncClient, Response

from tertulia.adapters.clamav import ClamdScanner
from tertulia.setup import ConfigError, file_setup
from tests.clamd import EICAR, EICAR_NAME, STREAM_MAX, Daemon
from tests.conftest import serve, settings_for
from tests.e2e.server import free_port
from tests.web.api import Account, ok, problem, signup, workspace

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


async def upload(client: AsyncClient, who: Account, ws: str, name: str, data: bytes) -> Response:
    return await client.post(
        f"/api/v1/workspaces/{ws}/files",
        files={"file": (name, data, "application/octet-stream")},
        headers=who.headers,
    )


async def test_an_infected_file_is_a_422_and_a_clean_one_is_kept(
    database_url: str, tmp_path: Path, clamd: Daemon
) -> None:
    """The EICAR test file comes back as 422 file.infected on the file field, naming the
    threat; a clean file is stored as usual."""
    async with serve(database_url, tmp_path, clamav_url=clamd.unix_url) as client:
        ana = await signup(client, "ana")
        ws = (await workspace(client, ana, "Equipo"))["id"]
        body = problem(await upload(client, ana, ws, "eicar.com", EICAR), 422, "file.infected")
        assert body["errors"] == [
            {
                "field": "file",
                "code": "file.infected",
                "message": f"This file contains {EICAR_NAME}; it was not kept.",
            }
        ]
        kept = ok(await upload(client, ana, ws, "informe.pdf", PDF), 201)
        assert kept["content_type"] == "application/pdf"


async def test_a_file_too_big_to_scan_is_a_413(
    database_url: str, tmp_path: Path, clamd: Daemon
) -> None:
    """A file within the upload limit but over clamd's StreamMaxLength comes back as 413
    file.too_large_to_scan: not retryable, unlike a scanner that is down."""
    async with serve(database_url, tmp_path, clamav_url=clamd.tcp_url) as client:
        ana = await signup(client, "ana")
        ws = (await workspace(client, ana, "Equipo"))["id"]
        response = await upload(client, ana, ws, "informe.pdf", PDF + b" " * 3 * STREAM_MAX)
        problem(response, 413, "file.too_large_to_scan")
        assert "Retry-After" not in response.headers


async def test_uploads_are_a_503_with_retry_after_while_the_scanner_is_down(
    database_url: str, tmp_path: Path
) -> None:
    """With clamd unreachable, an upload is refused as 503 file.scanner_unavailable with a
    Retry-After; the rest of the API keeps working."""
    url = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    async with serve(database_url, tmp_path, clamav_url=url) as client:
        ana = await signup(client, "ana")
        ws = (await workspace(client, ana, "Equipo"))["id"]
        response = await upload(client, ana, ws, "informe.pdf", PDF)
        problem(response, 503, "file.scanner_unavailable")
        assert int(response.headers["Retry-After"]) > 0
        ok(await client.get(f"/api/v1/workspaces/{ws}/channels", headers=ana.headers))


def test_the_scanner_url_is_checked_at_start(database_url: str, tmp_path: Path) -> None:
    """A malformed TERTULIA_CLAMAV_URL stops the start with a message saying what to write;
    unset, nothing is scanned."""
    with pytest.raises(ConfigError, match="tcp://HOST:PORT"):
        file_setup(settings_for(database_url, tmp_path, clamav_url="clamd.internal:3310"))
    assert file_setup(settings_for(database_url, tmp_path)).scanner is None
    setup = file_setup(settings_for(database_url, tmp_path, clamav_url="unix:///run/c.ctl"))
    assert isinstance(setup.scanner, ClamdScanner)
