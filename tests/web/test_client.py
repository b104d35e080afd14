"""Serving the web client: its page at `/` and at its own routes, its files under `/app/`,
only files of its folder, with ETags, `no-cache` and a strict Content-Security-Policy."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from tertulia.setup import storage_origin
from tertulia.web import client
from tertulia.web.app import WebConfig, build_app
from tests.conftest import serve, settings_for
from tests.web.api import problem

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:;"
    " media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none';"
    " frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
INDEX = b'<!doctype html><title>Tertulia</title><script type="module" src="/app/main.js"></script>'
FILES = {
    "index.html": (INDEX, "text/html; charset=utf-8"),
    "main.js": (b"import './lib/api.js';\n", "text/javascript; charset=utf-8"),
    "lib/api.js": (b"export const API = '/api/v1';\n", "text/javascript; charset=utf-8"),
    "app.css": (b"body { margin: 0 }\n", "text/css; charset=utf-8"),
    "icon.svg": (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
    "fonts/inter.woff2": (b"wOF2\x00\x01", "font/woff2"),
    "icon-192.png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    "i18n/es.json": (b'{"hola": "hola"}', "application/json"),
    "manifest.webmanifest": (b'{"name": "Tertulia"}', "application/manifest+json"),
    "vendor/LICENSE.preact.txt": (b"MIT", "text/plain; charset=utf-8"),
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A client folder of the test's own, with a file of every type served, one that is
    not served (.md), a hidden one, and a secret beside the folder."""
    folder = tmp_path / "app"
    for name, (body, _) in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(body)
    (folder / "README.md").write_text("how the client is laid out")
    (folder / ".env").write_text("SECRET=1")
    (tmp_path / "secret.js").write_text("the server's own")
    (folder / "escape.js").symlink_to(tmp_path / "secret.js")
    return folder


@asynccontextmanager
async def nothing(app: FastAPI) -> AsyncIterator[None]:
    yield  # serving files needs no core


@asynccontextmanager
async def serving(root: Path, storage: str | None = None) -> AsyncIterator[AsyncClient]:
    config = WebConfig(
        max_body_bytes=65536,
        public_url="http://testserver",
        max_message_length=4000,
        max_file_bytes=1 << 20,
        client_root=root,
        storage_origin=storage,
    )
    app = build_app(config, nothing)
    async with AsyncClient(transport=ASGITransport(app), base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def browser(root: Path) -> AsyncIterator[AsyncClient]:
    async with serving(root) as http:
        yield http


async def test_the_page_is_served_at_the_root_and_at_the_clients_own_routes(
    browser: AsyncClient,
) -> None:
    """`/`, an invitation link and any place inside a workspace all answer the client's
    page, as HTML, under the strict policy, never cached without asking again."""
    for path in (
        "/",
        "/invite/f3Q2aaaaaaaaaaaaaaaaaaaa",
        "/w/01JD5ZA0WS0RKSPACE00000000",
        "/w/01JD5ZA0WS0RKSPACE00000000/01JD5ZB0CHANNE10000000000A/x",
    ):
        page = await browser.get(path)
        assert page.status_code == 200, path
        assert page.content == INDEX
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.headers["content-security-policy"] == POLICY
        assert page.headers["cache-control"] == "no-cache"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["x-content-type-options"] == "nosniff"


async def test_each_file_is_served_with_its_type(browser: AsyncClient) -> None:
    """Scripts, styles, images, fonts, JSON and the manifest come with the right type."""
    for name, (body, media_type) in FILES.items():
        answer = await browser.get(f"/app/{name}")
        assert answer.status_code == 200, name
        assert answer.content == body, name
        assert answer.headers["content-type"] == media_type, name
        assert answer.headers["content-security-policy"] == POLICY
        assert answer.headers["cache-control"] == "no-cache"


async def test_a_file_unchanged_is_a_304_and_a_changed_one_is_sent_again(
    browser: AsyncClient, root: Path
) -> None:
    """A browser that sends the ETag it holds gets a 304 while the file is the same, and the
    new bytes with a new ETag as soon as a new release changes it (no restart needed)."""
    first = await browser.get("/app/main.js")
    etag = first.headers["etag"]
    assert etag.startswith('"')
    again = await browser.get("/app/main.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    page = await browser.get("/")
    assert (
        await browser.get("/", headers={"If-None-Match": page.headers["etag"]})
    ).status_code == 304

    (root / "main.js").write_bytes(b"import './lib/api.js'; // 2.0\n")
    stat = (root / "main.js").stat()
    os.utime(root / "main.js", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    changed = await browser.get("/app/main.js", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.content.endswith(b"// 2.0\n")
    assert changed.headers["etag"] != etag


@pytest.mark.parametrize(
    "path",
    [
        "/app/",
        "/app/missing.js",
        "/app/README.md",  # not a type the client serves
        "/app/.env",  # hidden
        "/app/escape.js",  # a link out of the folder
        "/app/../secret.js",
        "/app/..%2Fsecret.js",
        "/app/lib/..%2F..%2Fsecret.js",
        "/app/%2e%2e/secret.js",
        "/app/lib//api.js",
        "/app/lib\\api.js",
        "/app/lib",
        "/app/main.js%00.png",
        "/app/ma in.js",
    ],
)
async def test_nothing_but_the_clients_files_is_served(browser: AsyncClient, path: str) -> None:
    """Paths outside the folder, hidden files, links out of it, odd spellings of a path and
    types the client does not serve are all a 404 problem, whatever the path holds."""
    problem(await browser.get(path), 404, "http.not_found")


async def test_the_demo_now_leads_to_the_client(browser: AsyncClient) -> None:
    """The old demo's addresses redirect to `/` for good (308)."""
    for path in ("/demo", "/demo/demo.js", "/demo/a/b"):
        answer = await browser.get(path, follow_redirects=False)
        assert answer.status_code == 308, path
        assert answer.headers["location"] == "/"


async def test_with_s3_storage_the_policy_lets_the_client_reach_it(root: Path) -> None:
    """Downloads and thumbnails redirect to the S3 store's presigned URLs: its origin (and
    only it) joins what images, media and fetch may reach."""
    settings = settings_for(
        "sqlite+aiosqlite:////nonexistent.db",
        Path("/nonexistent"),
        blobs_url="s3://files/tertulia?endpoint=https://s3.eu-west-1.example.com:9000",
        s3_access_key="key",
        s3_secret_key="secret",
    )
    origin = storage_origin(settings)
    assert origin == "https://s3.eu-west-1.example.com:9000"
    async with serving(root, origin) as http:
        policy = (await http.get("/")).headers["content-security-policy"]
    assert "img-src 'self' data: blob: https://s3.eu-west-1.example.com:9000;" in policy
    assert "media-src 'self' blob: https://s3.eu-west-1.example.com:9000;" in policy
    assert "connect-src 'self' https://s3.eu-west-1.example.com:9000;" in policy
    assert "script-src 'self';" in policy
    local = settings_for("sqlite+aiosqlite:////nonexistent.db", Path("/nonexistent"))
    assert storage_origin(local) is None


def test_the_packaged_client_is_what_is_served_by_default() -> None:
    """Without a folder of its own the app serves the package's `web/static/app`, whose
    page loads nothing but its own files, and nothing inline."""
    folder = client.packaged_root()
    assert folder.parts[-3:] == ("web", "static", "app")
    assert folder.is_dir()


async def test_every_packaged_file_of_a_served_type_is_served(
    sqlite_url: str, tmp_path: Path
) -> None:
    """On the real app, `/` is the package's index.html and each file of the package's
    client folder with a served type comes back with its own bytes."""
    folder = client.packaged_root()
    async with serve(sqlite_url, tmp_path) as http:
        page = await http.get("/")
        assert page.status_code == 200
        # the page as packaged, with every module of the client listed to fetch at once
        preloaded = re.findall(r'<link rel="modulepreload" href="/app/([^"]+)">', page.text)
        modules = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.js"))
        assert preloaded == modules
        packaged = (folder / "index.html").read_text()
        assert re.sub(r'<link rel="modulepreload"[^>]*>\s*', "", page.text) == re.sub(
            r"<!-- modules -->\s*", "", packaged
        )
        assert page.headers["content-security-policy"] == POLICY
        served = 0
        for path in folder.rglob("*"):
            name = path.relative_to(folder).as_posix()
            hidden = any(part.startswith(".") for part in name.split("/"))
            if name == "index.html":
                continue  # the page, with its modules listed: above
            if path.is_file() and path.suffix in client.MEDIA_TYPES and not hidden:
                answer = await http.get(f"/app/{name}")
                assert answer.status_code == 200, name
                assert answer.content == path.read_bytes(), name
                served += 1
    assert served > 1


async def test_text_files_travel_gzipped_to_browsers_that_accept_it(browser: AsyncClient) -> None:
    """Scripts and styles are sent gzipped (with their own ETag) when the browser says it
    takes gzip, and as they are otherwise; either way the bytes are the file's."""
    zipped = await browser.get("/app/main.js", headers={"Accept-Encoding": "gzip"})
    plain = await browser.get("/app/main.js", headers={"Accept-Encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert zipped.content == plain.content  # httpx undoes the gzip
    assert zipped.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
    assert zipped.headers["etag"] != plain.headers["etag"]
    again = await browser.get(
        "/app/main.js", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["etag"]}
    )
    assert again.status_code == 304
