"""Resumable uploads over the tus 1.0 protocol, on both databases: creation, offsets,
parts, completion into a file (typed, checked and processed like any upload), refusals with
their codes, termination and discovery."""

from __future__ import annotations

import asyncio
import base64
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient, Response
from PIL import Image

from tertulia.usecases import uploads
from tests.conftest import serve
from tests.web.api import Account, join, ok, problem, signup, workspace

TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_TYPE = "application/offset+octet-stream"
TEXT = ("Acta de la reunión del lunes.\n" * 400).encode()


@dataclass
class Team:
    ana: Account
    eve: Account
    ws: str


@pytest.fixture
async def team(client: AsyncClient) -> Team:
    ana, eve = [await signup(client, n) for n in ("ana", "eve")]
    ws = await workspace(client, ana, "Equipo")
    await workspace(client, eve, "Otra Casa")
    return Team(ana, eve, ws["id"])


def metadata(name: str) -> str:
    return f"filename {base64.b64encode(name.encode()).decode()},filetype dGV4dC9wbGFpbg=="


async def create(
    client: AsyncClient, who: Account, ws: str, name: str, length: int, **headers: str
) -> Response:
    return await client.post(
        f"/api/v1/workspaces/{ws}/uploads",
        headers={
            **who.headers,
            **TUS,
            "Upload-Length": str(length),
            "Upload-Metadata": metadata(name),
            **headers,
        },
    )


async def created(client: AsyncClient, who: Account, ws: str, name: str, length: int) -> str:
    response = await create(client, who, ws, name, length)
    assert response.status_code == 201, response.text
    assert response.headers["tus-resumable"] == "1.0.0"
    location = response.headers["location"]
    assert location.startswith("/api/v1/uploads/")
    return location


async def patch(
    client: AsyncClient, who: Account, url: str, offset: int, data: bytes, **headers: str
) -> Response:
    return await client.patch(
        url,
        content=data,
        headers={
            **who.headers,
            **TUS,
            "Content-Type": OFFSET_TYPE,
            "Upload-Offset": str(offset),
            **headers,
        },
    )


async def head(client: AsyncClient, who: Account, url: str) -> Response:
    return await client.head(url, headers={**who.headers, **TUS})


async def send_all(
    client: AsyncClient, who: Account, url: str, data: bytes, parts: int = 3
) -> Response:
    """The bytes in `parts` PATCHes; the last response."""
    step = -(-len(data) // parts)
    response: Response | None = None
    for start in range(0, len(data), step):
        response = await patch(client, who, url, start, data[start : start + step])
        if start + step < len(data):
            assert response.status_code == 204, response.text
            assert response.headers["upload-offset"] == str(start + step)
            assert "tertulia-file-id" not in response.headers
    assert response is not None
    return response


async def content_of(client: AsyncClient, who: Account, file_id: str) -> Response:
    redirect = await client.get(f"/api/v1/files/{file_id}/content", headers=who.headers)
    assert redirect.status_code == 302, redirect.text
    return await client.get(redirect.headers["location"])


def png() -> bytes:
    out = io.BytesIO()
    Image.linear_gradient("L").resize((400, 300)).save(out, "PNG")
    return out.getvalue()


async def test_a_file_sent_in_three_parts_becomes_a_file(client: AsyncClient, team: Team) -> None:
    """Create, HEAD at 0, three PATCHes: the last names the file, whose bytes are exact."""
    url = await created(client, team.ana, team.ws, "acta.txt", len(TEXT))
    first = await head(client, team.ana, url)
    assert first.status_code == 200
    assert (first.headers["upload-offset"], first.headers["upload-length"]) == ("0", str(len(TEXT)))
    assert first.headers["cache-control"] == "no-store"
    assert first.headers["tus-resumable"] == "1.0.0"
    last = await send_all(client, team.ana, url, TEXT)
    assert last.status_code == 204, last.text
    assert last.headers["upload-offset"] == str(len(TEXT))
    file_id = last.headers["tertulia-file-id"]
    file = ok(await client.get(f"/api/v1/files/{file_id}", headers=team.ana.headers))
    assert (file["name"], file["size"], file["kind"]) == ("acta.txt", len(TEXT), "text")
    assert (await content_of(client, team.ana, file_id)).content == TEXT
    progress = ok(await client.get(url, headers=team.ana.headers))
    assert (progress["offset"], progress["length"], progress["file_id"]) == (
        len(TEXT),
        len(TEXT),
        file_id,
    )
    again = await patch(client, team.ana, url, len(TEXT), b"x")
    problem(again, 409, "upload.complete")


async def test_an_image_sent_in_parts_is_processed(client: AsyncClient, team: Team) -> None:
    """The completed upload goes through the image work like any upload."""
    data = png()
    url = await created(client, team.ana, team.ws, "foto.png", len(data))
    file_id = (await send_all(client, team.ana, url, data)).headers["tertulia-file-id"]
    file: Any = None
    for _ in range(300):
        file = ok(await client.get(f"/api/v1/files/{file_id}", headers=team.ana.headers))
        if file["status"] != "processing":
            break
        await asyncio.sleep(0.05)
    assert file["status"] == "ready", file
    assert (file["width"], file["height"]) == (400, 300)
    assert [t["size"] for t in file["thumbnails"]] == [64, 360, 1280]


async def test_a_wrong_offset_is_409_and_changes_nothing(client: AsyncClient, team: Team) -> None:
    url = await created(client, team.ana, team.ws, "acta.txt", len(TEXT))
    assert (await patch(client, team.ana, url, 0, TEXT[:100])).status_code == 204
    problem(await patch(client, team.ana, url, 0, TEXT[:100]), 409, "upload.offset_mismatch")
    problem(await patch(client, team.ana, url, 150, TEXT[150:200]), 409, "upload.offset_mismatch")
    assert (await head(client, team.ana, url)).headers["upload-offset"] == "100"
    last = await patch(client, team.ana, url, 100, TEXT[100:])
    assert (await content_of(client, team.ana, last.headers["tertulia-file-id"])).content == TEXT


async def test_an_upload_in_too_many_parts_must_end_with_the_last(
    client: AsyncClient, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for three parts, a third that leaves bytes unsent is a 409 and keeps
    nothing; a third that carries the rest makes the file."""
    monkeypatch.setattr(uploads, "MAX_PARTS", 3)
    url = await created(client, team.ana, team.ws, "acta.txt", len(TEXT))
    assert (await patch(client, team.ana, url, 0, TEXT[:10])).status_code == 204
    assert (await patch(client, team.ana, url, 10, TEXT[10:20])).status_code == 204
    refused = await patch(client, team.ana, url, 20, TEXT[20:30])
    problem(refused, 409, "upload.too_many_parts")
    assert f"{len(TEXT) - 20} bytes" in refused.json()["detail"]
    assert (await head(client, team.ana, url)).headers["upload-offset"] == "20"
    last = await patch(client, team.ana, url, 20, TEXT[20:])
    assert last.status_code == 204, last.text
    assert (await content_of(client, team.ana, last.headers["tertulia-file-id"])).content == TEXT


async def test_protocol_refusals(client: AsyncClient, team: Team) -> None:
    """No Tus-Resumable: 412 with Tus-Version; wrong content type: 415; no length: 400."""
    url = await created(client, team.ana, team.ws, "acta.txt", len(TEXT))
    missing = await client.head(url, headers=team.ana.headers)
    assert missing.status_code == 412
    assert missing.headers["tus-version"] == "1.0.0"
    for response in (
        await client.patch(
            url,
            content=b"abc",
            headers={**team.ana.headers, "Content-Type": OFFSET_TYPE, "Upload-Offset": "0"},
        ),
        await client.post(
            f"/api/v1/workspaces/{team.ws}/uploads",
            headers={**team.ana.headers, "Upload-Length": "10", "Tus-Resumable": "0.2.2"},
        ),
    ):
        problem(response, 412, "upload.tus_version")
        assert response.headers["tus-version"] == "1.0.0"
    wrong_type = await patch(client, team.ana, url, 0, b"abc", **{"Content-Type": "text/plain"})
    problem(wrong_type, 415, "upload.bad_content_type")
    assert wrong_type.headers["tus-resumable"] == "1.0.0"
    no_length = await client.post(
        f"/api/v1/workspaces/{team.ws}/uploads", headers={**team.ana.headers, **TUS}
    )
    problem(no_length, 400, "upload.length")
    problem(await create(client, team.ana, team.ws, "nada.txt", 0), 422, "upload.length")
    assert (await head(client, team.ana, url)).headers["upload-offset"] == "0"


async def test_header_text_that_is_not_ascii_is_a_clear_400(
    client: AsyncClient, team: Team
) -> None:
    """Digits that are not ASCII ("²", which str.isdigit takes) in a length or offset, and
    metadata that is not base64 text, are 400 with the header's code, not a server error."""
    url = await created(client, team.ana, team.ws, "acta.txt", len(TEXT))
    uploads_url = f"/api/v1/workspaces/{team.ws}/uploads"
    for length in ("²".encode("latin-1"), "١٢".encode()):
        response = await client.post(
            uploads_url, headers={**team.ana.headers, **TUS, "Upload-Length": length}
        )
        problem(response, 400, "upload.header")
    offset = await client.patch(
        url,
        content=b"abc",
        headers={
            **team.ana.headers,
            **TUS,
            "Content-Type": OFFSET_TYPE,
            "Upload-Offset": "²".encode("latin-1"),
        },
    )
    problem(offset, 400, "upload.header")
    for value in ("filename café".encode("latin-1"), "filename ü=".encode()):
        response = await client.post(
            uploads_url,
            headers={**team.ana.headers, **TUS, "Upload-Length": "10", "Upload-Metadata": value},
        )
        problem(response, 400, "upload.metadata")
    assert (await head(client, team.ana, url)).headers["upload-offset"] == "0"


async def test_bytes_past_the_length_are_refused_and_not_kept(
    client: AsyncClient, team: Team
) -> None:
    url = await created(client, team.ana, team.ws, "acta.txt", 100)
    problem(await patch(client, team.ana, url, 0, TEXT[:101]), 413, "upload.length")

    async def chunked() -> Any:  # no Content-Length: counted as it streams
        yield TEXT[:60]
        yield TEXT[60:120]

    streamed = await client.patch(
        url,
        content=chunked(),
        headers={**team.ana.headers, **TUS, "Content-Type": OFFSET_TYPE, "Upload-Offset": "0"},
    )
    problem(streamed, 413, "upload.length")
    assert (await head(client, team.ana, url)).headers["upload-offset"] == "0"
    assert ok(await client.get(url, headers=team.ana.headers))["offset"] == 0


async def test_a_denied_type_ends_the_upload_with_415(client: AsyncClient, team: Team) -> None:
    page = b"<html><body><script>fetch('/api/v1/auth/logout')</script></body></html>" * 10
    url = await created(client, team.ana, team.ws, "cat.png", len(page))
    last = await send_all(client, team.ana, url, page)
    problem(last, 415, "file.type_denied")
    assert "tertulia-file-id" not in last.headers
    assert (await head(client, team.ana, url)).status_code == 404
    problem(await client.get(url, headers=team.ana.headers), 404, "upload.not_found")


async def test_over_the_size_limit_is_413_at_creation(database_url: str, tmp_path: Path) -> None:
    async with serve(database_url, tmp_path, file_max_bytes=50_000) as http:
        ana = await signup(http, "ana")
        ws = await workspace(http, ana)
        problem(await create(http, ana, ws["id"], "big.bin", 50_001), 413, "file.too_large")
        discovery = await http.options("/api/v1/uploads", headers=ana.headers)
        assert discovery.headers["tus-max-size"] == "50000"


async def test_uploads_under_way_count_against_the_quotas(
    database_url: str, tmp_path: Path
) -> None:
    """An upload whose length does not fit beside the files kept and the uploads under way
    is refused at its creation with the 409 problem of a plain upload, before a byte is sent;
    finishing an upload counts its bytes once."""
    async with serve(
        database_url,
        tmp_path,
        file_user_quota_bytes=len(TEXT) + 1000,
        file_workspace_quota_bytes=len(TEXT) + 1500,
    ) as http:
        ana, bruno = [await signup(http, n) for n in ("ana", "bruno")]
        ws = (await workspace(http, ana))["id"]
        await join(http, ws, ana, bruno)
        url = await created(http, ana, ws, "acta.txt", len(TEXT))
        over = await create(http, ana, ws, "otra.txt", 1001)
        body = problem(over, 409, "file.quota_user")
        assert "quota" in body["detail"]
        assert over.headers["tus-resumable"] == "1.0.0"
        problem(await create(http, bruno, ws, "suya.txt", 1501), 409, "file.quota_workspace")
        last = await send_all(http, ana, url, TEXT)
        assert "tertulia-file-id" in last.headers
        problem(await create(http, ana, ws, "otra.txt", 1001), 409, "file.quota_user")
        await created(http, ana, ws, "otra.txt", 1000)
        problem(await create(http, bruno, ws, "suya.txt", 501), 409, "file.quota_workspace")


async def test_another_user_gets_404(client: AsyncClient, team: Team) -> None:
    """Eve cannot create in Ana's workspace, nor see or touch Ana's upload."""
    problem(await create(client, team.eve, team.ws, "x.txt", 10), 404)
    url = await created(client, team.ana, team.ws, "acta.txt", len(TEXT))
    assert (await head(client, team.eve, url)).status_code == 404
    problem(await client.get(url, headers=team.eve.headers), 404, "upload.not_found")
    problem(await patch(client, team.eve, url, 0, TEXT[:10]), 404, "upload.not_found")
    problem(await client.delete(url, headers={**team.eve.headers, **TUS}), 404, "upload.not_found")
    assert (await head(client, team.ana, url)).headers["upload-offset"] == "0"


async def test_termination_forgets_the_upload(client: AsyncClient, team: Team) -> None:
    url = await created(client, team.ana, team.ws, "acta.txt", len(TEXT))
    assert (await patch(client, team.ana, url, 0, TEXT[:100])).status_code == 204
    gone = await client.delete(url, headers={**team.ana.headers, **TUS})
    assert gone.status_code == 204
    assert gone.headers["tus-resumable"] == "1.0.0"
    assert (await head(client, team.ana, url)).status_code == 404  # a HEAD answer has no body
    problem(await client.get(url, headers=team.ana.headers), 404, "upload.not_found")
    problem(await patch(client, team.ana, url, 100, TEXT[100:]), 404, "upload.not_found")


async def test_discovery(client: AsyncClient, team: Team) -> None:
    response = await client.options("/api/v1/uploads", headers=team.ana.headers)
    assert response.status_code == 204
    assert response.headers["tus-version"] == "1.0.0"
    assert response.headers["tus-extension"] == "creation,termination"
    assert int(response.headers["tus-max-size"]) > 0
    assert response.headers["tus-resumable"] == "1.0.0"
    problem(await client.options("/api/v1/uploads"), 401, "auth.missing_token")
