"""The web client: its page at `/` and at the client's own routes (`/invite/…`, `/w/…`), its
files under `/app/…`, all under a strict Content-Security-Policy; `/demo` now leads to `/`.

Files are answered with an ETag and `Cache-Control: no-cache`: a browser keeps them but asks
each time whether they changed (a 304 when not), so a new release is picked up at once.
Only files of the client's folder with a type listed here are served: a path with a segment
that starts with a dot (`..`, hidden files) or any other character than letters, digits,
`.`, `_` and `-` is not looked up at all.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from tertulia.web.errors import problem

router = APIRouter()

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",  # the vendored libraries' licences
}
_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}"
_SERVABLE = re.compile(rf"(?:{_SEGMENT}/){{0,8}}{_SEGMENT}")
INDEX = "index.html"


def policy(storage_origin: str | None = None) -> str:
    """The Content-Security-Policy of the client's pages: everything from us, nothing inline,
    no eval. Images and media may also be `data:` and `blob:` URLs (a file fetched with the
    access token is shown from a blob). `storage_origin`: where an S3 store's presigned
    URLs point (downloads and thumbnails redirect there), which the client follows with
    `fetch` (connect-src) and may show directly (img-src, media-src)."""
    other = f" {storage_origin}" if storage_origin else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self';"
        f" img-src 'self' data: blob:{other}; media-src 'self' blob:{other};"
        f" connect-src 'self'{other}; font-src 'self'; object-src 'none';"
        " frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


def packaged_root() -> Path:
    """The client as the package ships it: `tertulia/web/static/app`."""
    return Path(str(resources.files("tertulia.web").joinpath("static/app")))


# where index.html lists every module of the client for the browser to fetch at once, rather
# than one level of imports after another (a cold load is then one round of requests)
MODULES_MARK = b"<!-- modules -->"
COMPRESSIBLE = (".html", ".js", ".mjs", ".css", ".svg", ".json", ".map", ".webmanifest", ".txt")


@dataclass(frozen=True, slots=True)
class _Loaded:
    stamp: tuple[int, int]  # mtime_ns and size when read
    body: bytes
    etag: str
    gzipped: bytes | None = None  # the same bytes gzipped, for browsers that accept it


@dataclass(slots=True)
class ClientFiles:
    """The client's files, read once and again whenever one changes on disk (so a
    developer's edit shows on the next reload), each with a strong ETag of its bytes."""

    root: Path
    csp: str
    _loaded: dict[str, _Loaded] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()

    async def answer(self, request: Request, name: str) -> Response:
        """The file as a response (304 when the browser's copy is current); a 404 problem
        for anything that is not a servable file of the client's folder."""
        media_type = MEDIA_TYPES.get(Path(name).suffix.lower())
        found = await self._find(name) if media_type and _SERVABLE.fullmatch(name) else None
        if found is None or media_type is None:
            return problem(request, 404, "http.not_found", "Not Found.")
        headers = {
            "ETag": found.etag,
            "Cache-Control": "no-cache",
            "Content-Security-Policy": self.csp,
        }
        body = found.body
        if found.gzipped is not None:
            headers["Vary"] = "Accept-Encoding"
            if "gzip" in request.headers.get("accept-encoding", ""):
                body = found.gzipped
                headers["Content-Encoding"] = "gzip"
                headers["ETag"] = found.etag[:-1] + '-gzip"'  # another representation
        wanted = request.headers.get("if-none-match", "")
        if headers["ETag"] in (tag.strip() for tag in wanted.split(",")):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=media_type, headers=headers)

    async def _find(self, name: str) -> _Loaded | None:
        path = self.root / name
        try:
            status = path.stat()
        except OSError:
            return None
        stamp = (status.st_mtime_ns, status.st_size)
        known = self._loaded.get(name)
        if known is not None and known.stamp == stamp:
            return known
        loaded = await asyncio.to_thread(self._read, path, stamp)
        if loaded is not None:
            self._loaded[name] = loaded
        return loaded

    def _read(self, path: Path, stamp: tuple[int, int]) -> _Loaded | None:
        real = path.resolve()
        # a link that leads out of the folder is not one of its files
        if not real.is_relative_to(self.root) or not real.is_file():
            return None
        body = real.read_bytes()
        if real.name == INDEX:
            body = body.replace(MODULES_MARK, self._preloads())
        gzipped = gzip.compress(body, 9, mtime=0) if real.suffix in COMPRESSIBLE else None
        return _Loaded(stamp, body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', gzipped)

    def _preloads(self) -> bytes:
        """A `<link rel=modulepreload>` for each module of the client, as the page lists them."""
        links = [
            f'  <link rel="modulepreload" href="/app/{module.relative_to(self.root).as_posix()}">'
            for module in sorted(self.root.rglob("*.js"))
            if _SERVABLE.fullmatch(module.relative_to(self.root).as_posix())
        ]
        return "\n".join(links).lstrip().encode()


def _files(request: Request) -> ClientFiles:
    files: ClientFiles = request.app.state.client
    return files


@router.get("/", include_in_schema=False)
async def index(request: Request) -> Response:
    """The client's page."""
    return await _files(request).answer(request, INDEX)


@router.get("/invite/{token}", include_in_schema=False)
async def invitation_page(request: Request, token: str) -> Response:
    """An invitation link opened in a browser: the client shows the invitation
    (`GET /api/v1/invitations/{token}`) and accepts it once the person is signed in."""
    return await _files(request).answer(request, INDEX)


@router.get("/w/{rest:path}", include_in_schema=False)
async def workspace_page(request: Request, rest: str) -> Response:
    """A place in the client (a workspace, a channel, a message): the client routes it."""
    return await _files(request).answer(request, INDEX)


@router.get("/app/{name:path}", include_in_schema=False)
async def asset(request: Request, name: str) -> Response:
    """A file of the client."""
    return await _files(request).answer(request, name)


@router.get("/demo", include_in_schema=False)
@router.get("/demo/{rest:path}", include_in_schema=False)
async def demo(rest: str = "") -> RedirectResponse:
    """The old demo page's addresses lead to the client, for good."""
    return RedirectResponse("/", status_code=308)
