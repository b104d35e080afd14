"""Files: streamed uploads, metadata, deletion, channel file lists, and downloads through
short-lived signed URLs (ours, HMAC-signed, for local storage; presigned ones for S3), which
`downloads` signs and serves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from tertulia.domain.errors import Invalid, Malformed, NotFound
from tertulia.domain.ids import ID_PATTERN, ChannelId, FileId, WorkspaceId
from tertulia.usecases.ports.files import THUMBNAIL_SIZES
from tertulia.web.auth import Core, CurrentUser
from tertulia.web.downloads import download
from tertulia.web.problems import AUTH, STORED_FILE, problems
from tertulia.web.schemas.common import PageOut
from tertulia.web.schemas.files import FileOut
from tertulia.web.schemas.params import ChannelPath, Limit, WorkspacePath

router = APIRouter(prefix="/api/v1", tags=["files"])
FilePath = Annotated[str, Path(pattern=ID_PATTERN, description="A file id.")]
UPLOAD_PATH = "/api/v1/workspaces/{workspace_id}/files"
MULTIPART_OVERHEAD = 16 * 1024  # bytes a multipart body may add around the file it carries
OTHER_FIELDS_MAX = 64 * 1024  # bytes of form fields other than the file we read and drop


class _Upload:
    """A multipart body read as it arrives: fields other than `file` are dropped (bounded),
    and the bytes of the `file` part are handed on chunk by chunk, never held whole."""

    def __init__(self, request: Request, boundary: bytes) -> None:
        self._stream = request.stream().__aiter__()
        self._ready: list[bytes] = []
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._disposition = b""
        self._state = "before"  # before, file, after
        self._in_file_part = False
        self._dropped = 0
        self.filename = ""
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field_data,
                "on_header_value": self._header_value_data,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
        )

    def _part_begin(self) -> None:
        self._disposition = b""
        self._in_file_part = False

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if bytes(self._header_field).lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if options.get(b"name") == b"file" and self._state == "before":
            self._state = "file"
            self._in_file_part = True
            self.filename = options.get(b"filename", b"").decode("utf-8", "replace")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file_part:
            self._ready.append(data[start:end])
            return
        self._dropped += end - start
        if self._dropped > OTHER_FIELDS_MAX:
            raise Invalid.field("file", "upload.fields_too_large", "Send only the file.")

    def _part_end(self) -> None:
        if self._in_file_part:
            self._in_file_part = False
            self._state = "after"

    async def _feed(self) -> bool:
        try:
            chunk = await self._stream.__anext__()
        except StopAsyncIteration:
            return False
        except ClientDisconnect:
            raise Malformed("The upload was cut off.", code="upload.incomplete") from None
        try:
            self._parser.write(chunk)
        except MultipartParseError:
            raise Malformed(
                "The body is not valid multipart/form-data.", code="upload.malformed"
            ) from None
        return True

    async def start(self) -> str:
        """Read up to the start of the file part; its name as the client gave it."""
        while self._state == "before":
            if not await self._feed():
                raise Invalid.field(
                    "file", "upload.no_file", "Send the file in a part named 'file'."
                )
        return self.filename

    async def chunks(self) -> AsyncIterator[bytes]:
        while True:
            if self._ready:
                data = b"".join(self._ready)
                self._ready.clear()
                yield data
            if self._state == "after":
                return
            if not await self._feed():
                raise Malformed("The body ended inside the file.", code="upload.incomplete")


@router.post(
    "/workspaces/{workspace_id}/files",
    status_code=201,
    summary="Upload a file",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {
                                "type": "string",
                                "format": "binary",
                                "description": "The file, with its name in the part's filename.",
                            }
                        },
                    }
                }
            },
        }
    },
    responses=problems(
        "workspace.not_found",
        "upload.not_multipart",
        "upload.malformed",
        "upload.incomplete",
        "upload.no_file",
        "upload.fields_too_large",
        *STORED_FILE,
    ),
)
async def upload(
    workspace_id: WorkspacePath, request: Request, user: CurrentUser, core: Core
) -> FileOut:
    """Upload a file into a workspace (multipart, one part named `file`; streamed to
    storage). Share it by listing its id in `file_ids` when you post a message. Its type is
    detected from its content; executables and HTML are refused (415), and so are images whose
    metadata cannot be removed (415 `file.image_unsupported`). Over the size limit:
    413; over your or the workspace's quota: 409 — a declared `Content-Length` is refused
    before the body is read. Where a virus scanner is configured, an infected file is refused
    (422 `file.infected`), and so is every file while it is down (503, `Retry-After`). An
    image is `processing` until its thumbnails are made."""
    declared = request.headers.get("content-length", "")
    size = max(0, int(declared) - MULTIPART_OVERHEAD) if _digits(declared) else None
    ws = WorkspaceId(workspace_id)
    await core.files.check_room(user, ws, size)  # membership first: outsiders learn nothing
    kind, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary or len(boundary) > 200:
        raise Malformed("Send the file as multipart/form-data.", code="upload.not_multipart")
    body = _Upload(request, boundary)
    name = await body.start()
    file = await core.files.upload(user, ws, name, body.chunks(), size)
    return FileOut.of(file)


def _digits(text: str) -> bool:
    """Whether header text is a decimal number: ASCII digits only (str.isdigit also takes
    "²" and "٣", which int() then refuses or reads)."""
    return text.isascii() and text.isdigit()


@router.get("/files/{file_id}", summary="A file's details", responses=problems("file.not_found"))
async def get_file(file_id: FilePath, user: CurrentUser, core: Core) -> FileOut:
    """A file you uploaded, or one shared in a channel you may read."""
    return FileOut.of(await core.files.get(user, FileId(file_id)))


@router.delete(
    "/files/{file_id}",
    status_code=204,
    summary="Delete a file",
    responses=problems("file.not_found", "file.not_uploader"),
)
async def delete_file(file_id: FilePath, user: CurrentUser, core: Core) -> Response:
    """Delete your file (an admin: anyone's). It disappears from its message and every list;
    its bytes are freed once no other file holds the same content."""
    await core.files.delete(user, FileId(file_id))
    return Response(status_code=204)


@router.get(
    "/channels/{channel_id}/files",
    summary="Files shared in a channel",
    responses=problems("channel.not_found", "cursor.invalid", "limit.out_of_range"),
)
async def channel_files(
    channel_id: ChannelPath,
    user: CurrentUser,
    core: Core,
    cursor: Annotated[str | None, Query(max_length=512, description="From `next_cursor`.")] = None,
    limit: Limit = 50,
) -> PageOut[FileOut]:
    """The files shared in a channel you may read, newest first."""
    found = await core.files.in_channel(user, ChannelId(channel_id), cursor, limit)
    return PageOut[FileOut](
        items=[FileOut.of(f) for f in found.items], next_cursor=found.next_cursor
    )


Expires = Annotated[
    int | None, Query(ge=0, lt=2**40, description="Of a signed URL: when it expires.")
]
Signature = Annotated[
    str | None, Query(max_length=100, description="Of a signed URL: its signature.")
]


def _header(description: str, required: bool = True) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": {"type": "string"}}


# what the signed URL answers: the file's own type, whatever it is
BYTES: dict[str, Any] = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
SERVED_HEADERS = {
    "ETag": _header("The stored bytes' tag, for `If-None-Match` and `If-Range`."),
    "Cache-Control": _header("`private`, for as long as the link lives."),
    "Content-Disposition": _header("`inline` or `attachment`, with the file's name."),
    "X-Content-Type-Options": _header("`nosniff`."),
    "Content-Security-Policy": _header("What the file may do in a browser: nothing."),
}
DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The bytes, as their detected type (through a signed URL).",
        "content": BYTES,
        "headers": SERVED_HEADERS,
    },
    206: {
        "description": "The range asked for.",
        "content": BYTES,
        "headers": {**SERVED_HEADERS, "Content-Range": _header("Which bytes, of how many.")},
    },
    302: {
        "description": "No body: to a short-lived signed URL (ours, or the storage's own) that"
        " serves the bytes without a token.",
        "headers": {
            "Location": {
                "description": "The signed URL.",
                "required": True,
                "schema": {"type": "string", "format": "uri-reference"},
            },
            "Cache-Control": _header("`no-store`."),
        },
    },
    304: {"description": "No body: unchanged since the ETag you sent.", "headers": SERVED_HEADERS},
}
# with a token, or a signed URL instead (no token): the lock in /docs is optional; the
# conditional and range headers matter to the signed URL only
DOWNLOAD_PROBLEMS = (
    *AUTH,
    "file.not_found",
    "file.link_invalid",
    "file.processing",
    "file.unreadable",
    "file.range",
)
TOKEN_OR_SIGNATURE: dict[str, Any] = {
    "security": [{"bearer": []}, {}],
    "parameters": [
        {
            "name": name,
            "in": "header",
            "required": False,
            "description": description,
            "schema": {"type": "string"},
        }
        for name, description in (
            ("Range", "One range of bytes (`bytes=0-1023`, `bytes=-500`); others are ignored."),
            ("If-None-Match", "ETags you hold: 304 if the file's is among them."),
            ("If-Range", "The ETag you hold: the range only if it is still the file's."),
        )
    ],
}


@router.get(
    "/files/{file_id}/content",
    summary="Download a file",
    response_class=Response,
    responses={**DOWNLOAD_RESPONSES, **problems(*DOWNLOAD_PROBLEMS)},
    openapi_extra=TOKEN_OR_SIGNATURE,
)
async def content(
    file_id: FilePath,
    request: Request,
    core: Core,
    expires: Expires = None,
    signature: Signature = None,
) -> Response:
    """With your access token: a redirect (302) to a signed URL valid for a few minutes
    (ours, or the storage's own). The signed URL serves the bytes without a token, with
    `Range` (206), `ETag` and `If-None-Match` (304). Non-images come as attachments (a PDF
    that holds script or actions too); every file with `X-Content-Type-Options: nosniff`
    and a sandboxing CSP (`sandbox` for a PDF shown inline). An image is served only without
    its metadata: while `processing` it answers 409 `file.processing`, and one that broke
    before its metadata could be removed 409 `file.unreadable`."""
    return await download(request, core, FileId(file_id), None, expires, signature)


@router.get(
    "/files/{file_id}/thumbnails/{size}",
    summary="Download an image's thumbnail",
    response_class=Response,
    responses={**DOWNLOAD_RESPONSES, **problems(*DOWNLOAD_PROBLEMS, "file.no_thumbnail")},
    openapi_extra=TOKEN_OR_SIGNATURE,
)
async def thumbnail(
    file_id: FilePath,
    size: Annotated[int, Path(description=f"One of {', '.join(map(str, THUMBNAIL_SIZES))}.")],
    request: Request,
    core: Core,
    expires: Expires = None,
    signature: Signature = None,
) -> Response:
    """An image's WebP thumbnail fitting `size` px, the same way as its content, named as
    the file with the extension `.webp`."""
    if size not in THUMBNAIL_SIZES:
        raise NotFound(f"This file has no {size} px thumbnail.", "file.no_thumbnail")
    return await download(request, core, FileId(file_id), size, expires, signature)
