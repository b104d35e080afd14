"""Files over HTTP, on both databases: streamed multipart uploads, sharing in messages,
downloads through signed URLs (Range, ETag, expiry, tampering), images made ready by the
server's own worker, and the attack corpus: each bad file gets its documented answer and the
server keeps serving."""

from __future__ import annotations

import asyncio
import io
import struct
import time
import uuid
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from httpx import AsyncClient, Response
from PIL import Image

from tertulia.adapters.blobs.s3 import S3Location
from tests.conftest import serve
from tests.web.api import Account, done, join, ok, problem, signup, workspace

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class Team:
    ana: Account
    bob: Account
    eve: Account
    ws: str
    general: str


@pytest.fixture
async def team(client: AsyncClient) -> Team:
    ana, bob, eve = [await signup(client, n) for n in ("ana", "bob", "eve")]
    ws = await workspace(client, ana, "Equipo")
    await join(client, ws["id"], ana, bob)
    await workspace(client, eve, "Otra Casa")
    listed = ok(await client.get(f"/api/v1/workspaces/{ws['id']}/channels", headers=ana.headers))
    general = next(c for c in listed["items"] if c["is_default"])
    return Team(ana, bob, eve, ws["id"], general["id"])


async def upload(
    client: AsyncClient, who: Account, ws: str, name: str, data: bytes, **extra: Any
) -> Response:
    return await client.post(
        f"/api/v1/workspaces/{ws}/files",
        files={"file": (name, data, "image/png")},  # the client's type is never believed
        headers=who.headers,
        **extra,
    )


async def uploaded(client: AsyncClient, who: Account, ws: str, name: str, data: bytes) -> Any:
    return ok(await upload(client, who, ws, name, data), 201)


async def signed_url(client: AsyncClient, who: Account, path: str) -> str:
    response = await client.get(path, headers=who.headers)
    assert response.status_code == 302, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.headers["location"]


async def download(client: AsyncClient, who: Account, path: str, **headers: str) -> Response:
    return await client.get(await signed_url(client, who, path), headers=headers)


async def until_done(client: AsyncClient, who: Account, file_id: str) -> Any:
    for _ in range(300):
        file = ok(await client.get(f"/api/v1/files/{file_id}", headers=who.headers))
        if file["status"] != "processing":
            return file
        await asyncio.sleep(0.05)
    raise AssertionError("still processing")


def jpeg_with_gps() -> bytes:
    image = Image.linear_gradient("L").resize((800, 600)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "CamaraSecreta"
    exif[0x8825] = {1: "N", 2: (40.0, 25.0, 1.0), 3: "W", 4: (3.0, 42.0, 5.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A valid PNG header that claims a huge image, with a tiny body."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


async def test_a_file_uploads_is_shared_and_downloads(client: AsyncClient, team: Team) -> None:
    file = await uploaded(client, team.ana, team.ws, "informe final.pdf", PDF)
    assert (file["content_type"], file["kind"], file["status"]) == (
        "application/pdf",
        "pdf",
        "ready",
    )
    assert file["size"] == len(PDF)
    problem(await client.get(f"/api/v1/files/{file['id']}", headers=team.bob.headers), 404)
    message = ok(
        await client.post(
            f"/api/v1/channels/{team.general}/messages",
            json={"text": "", "file_ids": [file["id"]]},
            headers=team.ana.headers,
        ),
        201,
    )
    assert [f["id"] for f in message["files"]] == [file["id"]]
    seen = ok(await client.get(f"/api/v1/files/{file['id']}", headers=team.bob.headers))
    assert seen["message_id"] == message["id"]
    got = await download(client, team.bob, f"/api/v1/files/{file['id']}/content")
    assert got.status_code == 200
    assert got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("inline;")
    assert "informe%20final.pdf" in got.headers["content-disposition"]
    listed = ok(
        await client.get(f"/api/v1/channels/{team.general}/files", headers=team.bob.headers)
    )
    assert [f["id"] for f in listed["items"]] == [file["id"]]
    problem(await client.get(f"/api/v1/files/{file['id']}", headers=team.eve.headers), 404)


async def test_files_are_found_by_name_and_kind(client: AsyncClient, team: Team) -> None:
    report = await uploaded(client, team.ana, team.ws, "Informe Técnico.pdf", PDF)
    photo = await uploaded(client, team.ana, team.ws, "informe-foto.png", png_bomb(8, 8))
    await until_done(client, team.ana, photo["id"])  # no image work left when the test ends
    ok(
        await client.post(
            f"/api/v1/channels/{team.general}/messages",
            json={"text": "", "file_ids": [report["id"]]},
            headers=team.ana.headers,
        ),
        201,
    )
    search = f"/api/v1/workspaces/{team.ws}/search/files"
    mine = ok(await client.get(search, params={"q": "tecnico"}, headers=team.ana.headers))
    assert [(h["file"]["id"], h["channel"]["name"]) for h in mine["items"]] == [
        (report["id"], "general")
    ]
    both = ok(
        await client.get(
            search, params={"q": "INFORME", "kind": ["pdf", "image"]}, headers=team.ana.headers
        )
    )
    assert {h["file"]["id"] for h in both["items"]} == {report["id"], photo["id"]}
    images = ok(await client.get(search, params={"kind": "image"}, headers=team.ana.headers))
    assert [(h["file"]["id"], h["channel"]) for h in images["items"]] == [(photo["id"], None)]
    bobs = ok(await client.get(search, params={"q": "informe"}, headers=team.bob.headers))
    assert [h["file"]["id"] for h in bobs["items"]] == [report["id"]]  # the photo is Ana's
    problem(await client.get(search, params={"q": "informe"}, headers=team.eve.headers), 404)


async def test_downloads_support_range_and_etag(client: AsyncClient, team: Team) -> None:
    data = bytes(range(256)) * 40  # 10,240 bytes that sniff as binary
    file = await uploaded(client, team.ana, team.ws, "datos.bin", data)
    url = await signed_url(client, team.ana, f"/api/v1/files/{file['id']}/content")
    whole = await client.get(url)
    assert whole.content == data
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-disposition"].startswith("attachment;")
    etag = whole.headers["etag"]
    assert (await client.get(url, headers={"If-None-Match": etag})).status_code == 304
    part = await client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == data[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    tail = await client.get(url, headers={"Range": "bytes=-10"})
    assert tail.content == data[-10:]
    start = await client.get(url, headers={"Range": "bytes=10000-"})
    assert start.content == data[10000:]
    stale = await client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert (stale.status_code, stale.content) == (200, data)
    outside = await client.get(url, headers={"Range": "bytes=20000-30000"})
    problem(outside, 416, "file.range")
    assert outside.headers["content-range"] == f"bytes */{len(data)}"
    several = await client.get(url, headers={"Range": "bytes=0-1,5-6"})
    assert (several.status_code, several.content) == (200, data)  # sent whole


async def test_signed_urls_expire_and_cannot_be_altered(client: AsyncClient, team: Team) -> None:
    file = await uploaded(client, team.ana, team.ws, "a.pdf", PDF)
    other = await uploaded(client, team.ana, team.ws, "b.pdf", PDF + b"%")
    url = await signed_url(client, team.ana, f"/api/v1/files/{file['id']}/content")
    query = parse_qs(urlsplit(url).query)
    expires, signature = query["expires"][0], query["signature"][0]
    base = f"/api/v1/files/{file['id']}/content"
    assert (await client.get(url)).status_code == 200
    for tampered in (
        f"{base}?expires={int(expires) + 3600}&signature={signature}",  # longer life
        f"{base}?expires={expires}&signature={signature[:-2]}AA",
        f"/api/v1/files/{other['id']}/content?expires={expires}&signature={signature}",
        f"{base}?expires={expires}",
        f"{base}?signature={signature}",
        f"/api/v1/files/{file['id']}/thumbnails/64?expires={expires}&signature={signature}",
    ):
        problem(await client.get(tampered), 404, "file.link_invalid")
    gone = f"{base}?expires={int(time.time()) - 1}&signature={signature}"
    problem(await client.get(gone), 404, "file.link_invalid")
    done(await client.delete(f"/api/v1/files/{file['id']}", headers=team.ana.headers))
    problem(await client.get(url), 404, "file.link_invalid")  # a deleted file's links die


@pytest.mark.parametrize(
    "signature",
    ["%C3%A9", "%FF", "caf%C3%A9", "%E2%80%AE" * 10, "%00", "%F0%9F%98%80", "%ED%A0%80"],
)
async def test_a_signature_of_odd_text_is_an_invalid_link(
    client: AsyncClient, team: Team, signature: str
) -> None:
    """A signed link whose signature holds text that is not ASCII (or a NUL, or bytes that
    are not UTF-8) is 404 file.link_invalid, for content and thumbnails alike, and the real
    link still works."""
    file = await uploaded(client, team.ana, team.ws, "a.pdf", PDF)
    url = await signed_url(client, team.ana, f"/api/v1/files/{file['id']}/content")
    expires = parse_qs(urlsplit(url).query)["expires"][0]
    for path in (
        f"/api/v1/files/{file['id']}/content",
        f"/api/v1/files/{file['id']}/thumbnails/64",
    ):
        forged = await client.get(f"{path}?expires={expires}&signature={signature}")
        problem(forged, 404, "file.link_invalid")
    assert (await client.get(url)).status_code == 200


async def test_odd_header_text_on_a_download_is_ignored(client: AsyncClient, team: Team) -> None:
    """A Range of digits that are not ASCII ("²"), or an If-None-Match or If-Range that is
    not ASCII, is a header the download does not understand: the whole file, never a 500."""
    data = bytes(range(256)) * 4
    file = await uploaded(client, team.ana, team.ws, "datos.bin", data)
    url = await signed_url(client, team.ana, f"/api/v1/files/{file['id']}/content")
    for headers in (
        {"Range": "bytes=²-".encode("latin-1")},
        {"Range": "bytes=-²".encode("latin-1")},
        {"Range": "bytes=١-٢".encode()},
        {"Range": "bytes=0-9", "If-Range": '"é"'.encode("latin-1")},
        {"If-None-Match": '"é", W/"ü"'.encode("latin-1")},
    ):
        got = await client.get(url, headers=headers)
        assert (got.status_code, got.content) == (200, data), headers


async def test_an_expired_link_no_longer_serves(database_url: str, tmp_path: Path) -> None:
    async with serve(database_url, tmp_path, file_url_seconds=10) as http:
        ana = await signup(http, "ana")
        ws = await workspace(http, ana)
        file = await uploaded(http, ana, ws["id"], "a.pdf", PDF)
        url = await signed_url(http, ana, f"/api/v1/files/{file['id']}/content")
        expires = int(parse_qs(urlsplit(url).query)["expires"][0])
        assert expires - time.time() <= 10
        assert (await http.get(url)).status_code == 200


async def test_an_image_is_optimised_and_loses_its_metadata(
    client: AsyncClient, team: Team
) -> None:
    file = await uploaded(client, team.ana, team.ws, "IMG_0001.JPG", jpeg_with_gps())
    assert file["status"] == "processing"
    content = f"/api/v1/files/{file['id']}/content"
    early = await client.get(content, headers=team.ana.headers)
    if early.status_code != 302:  # the worker may already be done
        problem(early, 409, "file.processing")
    ready = await until_done(client, team.ana, file["id"])
    assert ready["status"] == "ready"
    assert (ready["width"], ready["height"]) == (600, 800)
    assert [t["size"] for t in ready["thumbnails"]] == [64, 360, 1280]
    assert ready["placeholder"]
    original = await download(client, team.ana, content)
    assert original.headers["content-type"] == "image/jpeg"
    assert original.headers["content-disposition"].startswith("inline;")
    assert b"CamaraSecreta" not in original.content
    thumb = await download(client, team.ana, f"/api/v1/files/{file['id']}/thumbnails/360")
    assert thumb.headers["content-type"] == "image/webp"
    image = Image.open(io.BytesIO(thumb.content))
    assert image.size == (270, 360)
    problem(
        await client.get(f"/api/v1/files/{file['id']}/thumbnails/100", headers=team.ana.headers),
        404,
        "file.no_thumbnail",
    )


# the attack corpus ------------------------------------------------------------------------


async def test_html_renamed_png_is_refused(client: AsyncClient, team: Team) -> None:
    page = b"<html><body><script>fetch('/api/v1/auth/logout')</script></body></html>"
    problem(await upload(client, team.ana, team.ws, "cat.png", page), 415, "file.type_denied")


async def test_an_executable_is_refused(client: AsyncClient, team: Team) -> None:
    program = await asyncio.to_thread(Path("/bin/true").read_bytes)
    problem(await upload(client, team.ana, team.ws, "fotos.zip", program), 415, "file.type_denied")


async def test_svg_with_a_script_is_only_ever_a_download(client: AsyncClient, team: Team) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    file = await uploaded(client, team.ana, team.ws, "logo.svg", svg)
    assert (file["kind"], file["thumbnails"]) == ("svg", [])
    assert (await until_done(client, team.ana, file["id"]))["status"] == "ready"
    got = await download(client, team.ana, f"/api/v1/files/{file['id']}/content")
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in got.headers["content-security-policy"]


async def test_a_decompression_bomb_stays_a_plain_file(client: AsyncClient, team: Team) -> None:
    file = await uploaded(client, team.ana, team.ws, "bomb.png", png_bomb())
    failed = await until_done(client, team.ana, file["id"])
    assert (failed["status"], failed["problem"]) == ("failed", "image.too_large")
    got = await download(client, team.ana, f"/api/v1/files/{file['id']}/content")
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment;")
    ok(await client.get("/api/v1/users/me", headers=team.ana.headers))  # still serving


async def test_an_image_too_slow_to_process_stays_a_plain_file(
    database_url: str, tmp_path: Path
) -> None:
    """With TERTULIA_IMAGE_SECONDS set low, an image whose processing takes longer ends
    failed with image.too_slow and downloads as a plain file; the server keeps serving."""
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((6000, 6000)).save(buffer, "PNG", compress_level=1)
    # 10 ms: decoding 36 million pixels alone takes longer on any machine (a quarter of a
    # second, the limit this test had, was enough to make all of it on a fast day)
    async with serve(database_url, tmp_path, image_seconds=0.01, image_workers=1) as http:
        ana = await signup(http, "ana")
        ws = await workspace(http, ana)
        file = await uploaded(http, ana, ws["id"], "enorme.png", buffer.getvalue())
        failed = await until_done(http, ana, file["id"])
        assert (failed["status"], failed["problem"]) == ("failed", "image.too_slow")
        got = await download(http, ana, f"/api/v1/files/{file['id']}/content")
        assert got.headers["content-type"] == "application/octet-stream"
        assert got.content == buffer.getvalue()


async def test_a_truncated_jpeg_stays_a_plain_file(client: AsyncClient, team: Team) -> None:
    file = await uploaded(client, team.ana, team.ws, "roto.jpg", jpeg_with_gps()[:1500])
    failed = await until_done(client, team.ana, file["id"])
    assert (failed["status"], failed["problem"]) == ("failed", "image.corrupt")


async def test_a_jpeg_zip_polyglot_loses_its_zip(client: AsyncClient, team: Team) -> None:
    zipped = b"PK\x03\x04" + b"\x00" * 26 + b"evil.html" + b"<script>x</script>"
    file = await uploaded(client, team.ana, team.ws, "poly.jpg", jpeg_with_gps() + zipped)
    ready = await until_done(client, team.ana, file["id"])
    assert ready["status"] == "ready"
    got = await download(client, team.ana, f"/api/v1/files/{file['id']}/content")
    assert b"PK\x03\x04" not in got.content
    assert b"<script>" not in got.content


async def test_a_gif_js_polyglot_loses_its_script(client: AsyncClient, team: Team) -> None:
    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, "GIF", comment=b"*/=alert(document.domain)//")
    data = out.getvalue()
    file = await uploaded(client, team.ana, team.ws, "risa.gif", data)
    ready = await until_done(client, team.ana, file["id"])
    assert ready["status"] == "ready"
    got = await download(client, team.ana, f"/api/v1/files/{file['id']}/content")
    assert b"alert" not in got.content
    assert got.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("factura\u202efdp.exe", "facturafdp.exe"),
        ("CON.txt", "_CON.txt"),
        ("   ", "file"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
async def test_file_names_are_made_safe(
    client: AsyncClient, team: Team, raw: str, kept: str
) -> None:
    file = await uploaded(client, team.ana, team.ws, raw, PDF + raw.encode("utf-8", "replace"))
    assert file["name"] == kept


async def test_an_empty_file_is_refused(client: AsyncClient, team: Team) -> None:
    problem(await upload(client, team.ana, team.ws, "nada.txt", b""), 422, "file.empty")


async def test_an_upload_over_the_limit_is_refused_before_reading(
    database_url: str, tmp_path: Path
) -> None:
    async with serve(database_url, tmp_path, file_max_bytes=50_000) as http:
        ana = await signup(http, "ana")
        ws = await workspace(http, ana)
        declared = await http.post(
            f"/api/v1/workspaces/{ws['id']}/files",
            content=b"x" * 10,
            headers={
                **ana.headers,
                "Content-Type": "multipart/form-data; boundary=b",
                "Content-Length": "200000",
            },
        )
        problem(declared, 413, "file.too_large")
        streamed = await upload(http, ana, ws["id"], "big.bin", b"\x01" * 60_000)
        problem(streamed, 413, "file.too_large")
        assert (await uploaded(http, ana, ws["id"], "small.pdf", PDF))["size"] == len(PDF)


async def test_quotas_answer_409(database_url: str, tmp_path: Path) -> None:
    async with serve(database_url, tmp_path, file_user_quota_bytes=1000) as http:
        ana = await signup(http, "ana")
        ws = await workspace(http, ana)
        await uploaded(http, ana, ws["id"], "a.bin", b"\x01" * 900)
        problem(await upload(http, ana, ws["id"], "b.bin", b"\x02" * 200), 409, "file.quota_user")


@pytest.mark.parametrize(
    ("content_type", "body", "status", "code"),
    [
        ("application/json", b'{"file": "x"}', 400, "upload.not_multipart"),
        ("multipart/form-data", b"--x\r\n", 400, "upload.not_multipart"),  # no boundary
        ("multipart/form-data; boundary=zz", b"garbage without parts", 400, "upload.malformed"),
        (
            "multipart/form-data; boundary=zz",
            b'--zz\r\nContent-Disposition: form-data; name="other"\r\n\r\nhola\r\n--zz--\r\n',
            422,
            "upload.no_file",
        ),
        (
            "multipart/form-data; boundary=zz",
            b'--zz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nab',
            400,
            "upload.incomplete",
        ),
        (
            "multipart/form-data; boundary=zz",
            b"--zz\r\nX" + b"y" * 10_000 + b": z\r\n\r\n",
            400,
            "upload.malformed",
        ),
    ],
)
async def test_malformed_uploads_get_a_clear_problem(
    client: AsyncClient, team: Team, content_type: str, body: bytes, status: int, code: str
) -> None:
    response = await client.post(
        f"/api/v1/workspaces/{team.ws}/files",
        content=body,
        headers={**team.ana.headers, "Content-Type": content_type},
    )
    problem(response, status, code)
    ok(await client.get("/api/v1/users/me", headers=team.ana.headers))


async def test_attaching_bad_file_ids_is_refused(client: AsyncClient, team: Team) -> None:
    mine = await uploaded(client, team.bob, team.ws, "b.pdf", PDF)
    for file_ids, status, code in (
        ([mine["id"]], 422, "file.not_found"),  # not Ana's
        (["nope"], 422, "validation.string_pattern_mismatch"),
        ([mine["id"]] * 11, 422, "validation.too_long"),
    ):
        response = await client.post(
            f"/api/v1/channels/{team.general}/messages",
            json={"text": "x", "file_ids": file_ids},
            headers=team.ana.headers,
        )
        body = problem(response, status)
        assert code in {body["code"], *(e["code"] for e in body.get("errors", []))}, body


@pytest.mark.s3
async def test_files_on_s3_download_through_presigned_urls(
    sqlite_url: str, tmp_path: Path, s3_location: S3Location
) -> None:
    """With TERTULIA_BLOBS_URL on a real S3 server, the redirect goes to the server itself,
    which answers with our type and disposition (and honours Range); a PDF shown inline
    comes through our own signed URL instead, the only one that can carry its sandbox."""
    where = replace(s3_location, prefix=f"api-{uuid.uuid4().hex}/")
    url = (
        f"s3://{quote(where.access_key)}:{quote(where.secret_key)}@{where.bucket}/"
        f"{where.prefix.rstrip('/')}?endpoint={where.endpoint}"
    )
    data = b"\x00" * 10 + bytes(range(256)) * 4  # binary, an attachment
    async with serve(sqlite_url, tmp_path, blobs_url=url) as http:
        ana = await signup(http, "ana")
        ws = await workspace(http, ana)
        file = await uploaded(http, ana, ws["id"], "datos.bin", data)
        location = await signed_url(http, ana, f"/api/v1/files/{file['id']}/content")
        assert location.startswith(where.endpoint)
        async with AsyncClient() as outside:
            got = await outside.get(location)
            part = await outside.get(location, headers={"Range": "bytes=0-7"})
            forged = await outside.get(location.replace("Expires=", "Expires=9"))
        assert got.content == data, (location, got.text)
        assert got.headers["content-type"] == "application/octet-stream"
        assert got.headers["content-disposition"].startswith("attachment;")
        assert (part.status_code, part.content) == (206, data[:8])
        assert forged.status_code == 403
        pdf = await uploaded(http, ana, ws["id"], "informe.pdf", PDF)
        ours = await signed_url(http, ana, f"/api/v1/files/{pdf['id']}/content")
        assert ours.startswith(f"/api/v1/files/{pdf['id']}/content?")
        shown = await http.get(ours)
        assert shown.content == PDF
        assert shown.headers["content-disposition"].startswith("inline;")
        assert shown.headers["content-security-policy"] == "sandbox"


async def test_bad_download_and_listing_parameters_get_422(client: AsyncClient, team: Team) -> None:
    file = await uploaded(client, team.ana, team.ws, "a.pdf", PDF)
    content = f"/api/v1/files/{file['id']}/content"
    for query in ("expires=-1&signature=x", "expires=abc&signature=x", f"signature={'x' * 101}"):
        problem(await client.get(f"{content}?{query}"), 422, "validation.invalid")
    problem(
        await client.get(f"/api/v1/files/{file['id']}/thumbnails/big", headers=team.ana.headers),
        422,
        "validation.invalid",
    )
    problem(await client.get("/api/v1/files/not-an-id", headers=team.ana.headers), 422)
    listing = f"/api/v1/channels/{team.general}/files"
    problem(
        await client.get(listing, params={"cursor": "%%%"}, headers=team.ana.headers),
        422,
        "cursor.invalid",
    )
    problem(
        await client.get(listing, params={"limit": 0}, headers=team.ana.headers),
        422,
        "validation.invalid",
    )
