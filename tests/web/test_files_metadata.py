"""What a downloader gets, on both databases: no metadata in any image served (HEIC, AVIF,
TIFF and the rest, originals and thumbnails, images that failed too), thumbnails under a
.webp name, images of types that cannot be cleaned refused, and PDFs that can act never
shown inline, those shown inline sandboxed."""

from __future__ import annotations

import io
import zlib

import pytest
from httpx import AsyncClient
from PIL import Image

from tests.adapters.test_image_formats import INKSCAPE, SECRETS, avif, heic, jpeg, tiff
from tests.web.api import ok, problem
from tests.web.test_files_api import PDF, Team, download, team, until_done, upload, uploaded

__all__ = ["team"]  # the fixture, from the files API's tests

PHOTOS = {"IMG_0001.HEIC": heic, "foto.avif": avif, "escaneo.tif": tiff, "IMG_0002.JPG": jpeg}


async def test_no_photo_format_leaks_its_metadata(client: AsyncClient, team: Team) -> None:
    """An iPhone's HEIC, an AVIF, a TIFF and a JPEG each come back, original and every
    thumbnail, with no camera, author, place, XMP or IPTC; they get their three thumbnails,
    shown upright; a thumbnail downloads under the original's name ending in .webp."""
    for name, make in PHOTOS.items():
        data = make()
        file = await uploaded(client, team.ana, team.ws, name, data)
        assert (file["kind"], file["status"]) == ("image", "processing")
        ready = await until_done(client, team.ana, file["id"])
        assert ready["status"] == "ready", (name, ready)
        assert (ready["width"], ready["height"]) == (300, 400), name
        assert [t["size"] for t in ready["thumbnails"]] == [64, 360, 1280]
        original = await download(client, team.ana, f"/api/v1/files/{file['id']}/content")
        assert original.status_code == 200
        assert original.headers["content-disposition"].startswith("inline;")
        for secret in (*SECRETS, b"GPS"):
            assert secret not in original.content, (name, secret)
        stem = name.rsplit(".", 1)[0]
        for size in (64, 360, 1280):
            thumb = await download(
                client, team.ana, f"/api/v1/files/{file['id']}/thumbnails/{size}"
            )
            assert thumb.headers["content-type"] == "image/webp"
            disposition = thumb.headers["content-disposition"]
            assert disposition.endswith(f"filename*=UTF-8''{stem}.webp"), disposition
            assert f'filename="{stem}.webp"' in disposition
            assert not any(secret in thumb.content for secret in SECRETS)
            assert max(Image.open(io.BytesIO(thumb.content)).size) <= size


async def test_an_image_that_fails_is_served_only_without_its_metadata(
    client: AsyncClient, team: Team
) -> None:
    """A photo cut short cannot be shown: it downloads as an attachment, without its GPS;
    one broken before its metadata can be removed is not served at all (409)."""
    data = jpeg()
    cut = await uploaded(client, team.ana, team.ws, "cortada.jpg", data[: len(data) // 2])
    failed = await until_done(client, team.ana, cut["id"])
    assert (failed["status"], failed["problem"]) == ("failed", "image.corrupt")
    got = await download(client, team.ana, f"/api/v1/files/{cut['id']}/content")
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["content-type"] == "application/octet-stream"
    assert not any(secret in got.content for secret in (*SECRETS, b"GPS"))
    broken = data[:2] + b"\xff\xe1\xff\xff" + data[6:]  # its first segment runs off the end
    lost = await uploaded(client, team.ana, team.ws, "rota.jpg", broken)
    assert (await until_done(client, team.ana, lost["id"]))["status"] == "failed"
    problem(
        await client.get(f"/api/v1/files/{lost['id']}/content", headers=team.ana.headers),
        409,
        "file.unreadable",
    )
    ok(await client.get("/api/v1/users/me", headers=team.ana.headers))  # still serving


async def test_an_svg_downloads_without_its_authors_metadata(
    client: AsyncClient, team: Team
) -> None:
    """An SVG from Inkscape is served, as an attachment, once its RDF metadata, comments and
    the author's file paths are gone: until then it is `processing`."""
    file = await uploaded(client, team.ana, team.ws, "logo.svg", INKSCAPE)
    assert (file["kind"], file["status"]) == ("svg", "processing")
    ready = await until_done(client, team.ana, file["id"])
    assert (ready["status"], ready["thumbnails"]) == ("ready", [])
    got = await download(client, team.ana, f"/api/v1/files/{file['id']}/content")
    assert got.headers["content-type"] == "image/svg+xml"
    assert got.headers["content-disposition"].startswith("attachment;")
    for secret in (*SECRETS, b"/home/ana"):
        assert secret not in got.content
    assert b"<rect" in got.content


async def test_an_image_whose_metadata_cannot_be_removed_is_refused(
    client: AsyncClient, team: Team
) -> None:
    """A JPEG 2000 (like a camera's RAW or a Photoshop file) may carry where it was taken,
    and we cannot remove it: 415 file.image_unsupported, nothing kept."""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 10, 10)).save(buffer, "JPEG2000")
    refused = await upload(client, team.ana, team.ws, "foto.jp2", buffer.getvalue())
    body = problem(refused, 415, "file.image_unsupported")
    assert "image/jp2" in body["detail"]


def pdf_with(catalog: bytes) -> bytes:
    return b"%PDF-1.7\n1 0 obj << " + catalog + b" >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.parametrize(
    "catalog",
    [
        b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
        b"/Type /Catalog /Names << /JavaScript 2 0 R >>",
        b"/Type /Catalog /Open#41ction << /S /Launch /F (calc.exe) >>",
    ],
)
async def test_a_pdf_that_can_act_is_only_an_attachment(
    client: AsyncClient, team: Team, catalog: bytes
) -> None:
    """A PDF holding JavaScript, an action on opening or a Launch (however its names are
    spelled) is never shown inline; it still downloads, sandboxed."""
    file = await uploaded(client, team.ana, team.ws, "factura.pdf", pdf_with(catalog))
    assert (file["kind"], file["status"]) == ("pdf", "ready")
    got = await download(client, team.ana, f"/api/v1/files/{file['id']}/content")
    assert got.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in got.headers["content-security-policy"]


async def test_a_pdf_shown_inline_is_sandboxed(client: AsyncClient, team: Team) -> None:
    """A plain PDF (even one whose compressed drawing holds the bytes "/JS") is shown inline,
    under Content-Security-Policy: sandbox."""
    drawing = zlib.compress(b"BT /JS 12 Tf (hola) Tj ET")
    stream = b"2 0 obj << /Length %d /Filter /FlateDecode >>\nstream\n" % len(drawing)
    data = PDF.replace(b"trailer", stream + drawing + b"\nendstream\nendobj\ntrailer")
    file = await uploaded(client, team.ana, team.ws, "informe.pdf", data)
    got = await download(client, team.ana, f"/api/v1/files/{file['id']}/content")
    assert got.content == data
    assert got.headers["content-disposition"].startswith("inline;")
    assert got.headers["content-security-policy"] == "sandbox"
    assert got.headers["x-content-type-options"] == "nosniff"
