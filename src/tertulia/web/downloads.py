"""Serving stored bytes safely: short-lived signed URLs (HMAC over the file, the rendition,
the blob and the expiry; a storage's own presigned URL where it may serve the file), one byte
range (206, 416), ETag revalidation (304), a Content-Disposition whose name is honest about
what the content is, and a Content-Security-Policy per download that lets a file do nothing but
show itself (a PDF shown inline: `sandbox`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse

from tertulia.domain.errors import NotFound
from tertulia.domain.files import download_name
from tertulia.domain.ids import FileId
from tertulia.usecases.core import Tertulia
from tertulia.usecases.files import Served
from tertulia.web.auth import principal
from tertulia.web.errors import problem

# what a served file may do in a browser: nothing but show itself
FILE_POLICY = (
    "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'"
)
# and a PDF shown inline (see _policy)
PDF_POLICY = "sandbox"


class UrlSigner:
    """Signs download URLs of local storage: HMAC-SHA256 over the file, the rendition, the
    blob and the expiry, so a URL dies when it expires or the file changes or goes."""

    def __init__(self, secret: str, seconds: int) -> None:
        self._key = hashlib.sha256(b"tertulia-files\x00" + secret.encode()).digest()
        self.seconds = seconds

    def _mac(self, file_id: str, size: int | None, key: str, expires: int) -> str:
        message = f"{file_id}\n{size or 0}\n{key}\n{expires}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def sign(self, served: Served, size: int | None, now: float | None = None) -> tuple[int, str]:
        expires = int(now if now is not None else time.time()) + self.seconds
        return expires, self._mac(served.file.id, size, served.key, expires)

    def valid(self, served: Served, size: int | None, expires: int, signature: str) -> bool:
        """Whether `signature` (any text a client sent) signs this rendition until `expires`,
        still in the future. compare_digest refuses text that is not ASCII: bytes it gets."""
        expected = self._mac(served.file.id, size, served.key, expires).encode()
        given = signature.encode("utf-8", "surrogatepass")
        return hmac.compare_digest(expected, given) and expires >= time.time()


async def download(
    request: Request,
    core: Tertulia,
    file_id: FileId,
    size: int | None,
    expires: int | None,
    signature: str | None,
) -> Response:
    """A download of a file (`size`: one of its thumbnails): with a signature, the bytes if it
    signs this rendition and has not expired; otherwise, for the user of the request's token,
    a redirect to a signed URL (the storage's own where no policy of ours must come with it)."""
    signer: UrlSigner = request.app.state.url_signer
    if signature is not None or expires is not None:
        served = await core.files.find_signed(file_id, size)
        if (
            served is None
            or expires is None
            or signature is None
            or not signer.valid(served, size, expires, signature)
        ):
            raise NotFound("This link is not valid or has expired.", "file.link_invalid")
        return await _serve(request, core, served, expires)
    user = (await principal(request)).user_id
    served = await core.files.served(user, file_id, size)
    disposition = _disposition(served)
    direct = None
    if _policy(served) is None:  # storage's own URLs cannot carry a sandbox; ours can
        direct = await core.blobs.presigned_url(
            served.key, signer.seconds, served.content_type, disposition
        )
    if direct is None:
        at, mac = signer.sign(served, size)
        direct = f"{request.url.path}?expires={at}&signature={mac}"
    return RedirectResponse(direct, status_code=302, headers={"Cache-Control": "no-store"})


def _disposition(served: Served) -> str:
    name = download_name(served.name, served.content_type)
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name)
    kind = "inline" if served.inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _policy(served: Served) -> str | None:
    """The Content-Security-Policy a file needs that a storage's presigned URL cannot send:
    a PDF shown inline runs in a sandbox (no script, no form, no navigation of ours; some
    browsers' viewers, Chrome's and Safari's, then decline to show it in the page, a price
    paid for it). None: the storage's URL may serve it."""
    if served.inline and served.content_type == "application/pdf":
        return PDF_POLICY
    return None


_RANGE = re.compile(r"bytes=[ \t]*([0-9]{0,30})-([0-9]{0,30})[ \t]*")


def _range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range asked for, as [start, end); None for the whole file (no header,
    several ranges, or one we do not read: any other text is ignored, as RFC 9110 allows);
    ValueError if it lies outside the file."""
    found = _RANGE.fullmatch(header) if header else None
    if found is None or not (found[1] or found[2]):
        return None
    first, last = found[1], found[2]
    if not first:  # the last N bytes
        count = int(last)
        if count == 0:
            raise ValueError(header)
        return max(0, size - count), size
    start = int(first)
    end = min(size, int(last) + 1) if last else size
    if start >= size or (last and int(last) < start):
        raise ValueError(header)
    return start, end


async def _serve(request: Request, core: Tertulia, served: Served, expires: int) -> Response:
    etag = f'"{served.key}"'
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": f"private, max-age={max(0, expires - int(time.time()))}",
        "Content-Disposition": _disposition(served),
        "X-Content-Type-Options": "nosniff",
    }
    headers["Content-Security-Policy"] = _policy(served) or FILE_POLICY
    wanted = request.headers.get("if-none-match", "")
    if etag in [tag.strip() for tag in wanted.split(",")] or wanted.strip() == "*":
        return Response(status_code=304, headers=headers)
    if_range = request.headers.get("if-range")
    try:
        part = _range(request.headers.get("range"), served.size)
    except ValueError:
        return problem(
            request,
            416,
            "file.range",
            f"The file has {served.size} bytes.",
            headers={"Content-Range": f"bytes */{served.size}"},
        )
    if part is not None and if_range is not None and if_range.strip() != etag:
        part = None  # the client's copy is of other bytes: send them all
    start, end = part or (0, served.size)
    headers["Content-Length"] = str(end - start)
    status = 200
    if part is not None:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{served.size}"
    return StreamingResponse(
        core.blobs.read(served.key, start, end),
        status_code=status,
        media_type=served.content_type,
        headers=headers,
    )
