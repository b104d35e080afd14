"""Resumable uploads over the tus 1.0 protocol (core, creation and termination), so that tus
clients (tus-js-client, Uppy) can send big files over flaky links and resume on any node.

Who you are and what you address come first (401, then 404), then the protocol version (412):
an outsider learns nothing from a tus request either. The file an upload made is named in the
`Tertulia-File-Id` header of the PATCH that completed it (and by `GET /api/v1/uploads/{id}`)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import ClientDisconnect

from tertulia.domain.errors import DomainError, Malformed, Unsupported
from tertulia.domain.ids import ID_PATTERN, UploadId, WorkspaceId
from tertulia.domain.uploads import Upload
from tertulia.usecases.core import Tertulia
from tertulia.web.auth import Core, CurrentUser
from tertulia.web.errors import on_domain_error, on_validation_error, problem
from tertulia.web.problems import EVERY_ANSWER_HEADERS, STORED_FILE, Declared, problems
from tertulia.web.schemas.files import UploadOut
from tertulia.web.schemas.params import WorkspacePath

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination"
OFFSET_TYPE = "application/offset+octet-stream"
MAX_METADATA = 8 * 1024  # bytes of Upload-Metadata read
# what browsers' tus clients send and read across origins (CORS)
TUS_REQUEST_HEADERS = (
    "Tus-Resumable",
    "Upload-Length",
    "Upload-Offset",
    "Upload-Metadata",
    "Upload-Defer-Length",
)
TUS_RESPONSE_HEADERS = (
    "Location",
    "Tus-Resumable",
    "Tus-Version",
    "Tus-Extension",
    "Tus-Max-Size",
    "Upload-Offset",
    "Upload-Length",
    "Tertulia-File-Id",
)


def _header(name: str, description: str, schema: dict[str, Any], required: bool = False) -> Any:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": schema,
    }


def _answer(description: str, schema: dict[str, Any], required: bool = False) -> Any:
    return {"description": description, "required": required, "schema": schema}


BYTES = {"type": "integer", "minimum": 0}
# what a request sends (the document's header parameters)
TUS_RESUMABLE = _header(
    "Tus-Resumable",
    "The tus version the client speaks; anything else is 412.",
    {"type": "string", "enum": [TUS_VERSION]},
    required=True,
)
UPLOAD_LENGTH = _header(
    "Upload-Length",
    "Bytes of the whole file (deferred lengths are not supported); at most `maximum`, the"
    " server's file size limit (`Tus-Max-Size`).",
    BYTES,
    required=True,
)
UPLOAD_METADATA = _header(
    "Upload-Metadata",
    "Comma-separated pairs of a key and its value in base64 (UTF-8): `filename` (or Uppy's"
    " `name`) names the file.",
    {"type": "string", "maxLength": MAX_METADATA},
)
UPLOAD_OFFSET = _header(
    "Upload-Offset", "Where this part starts: where the upload stands.", BYTES, required=True
)
# what an answer carries
ANSWER_TUS_RESUMABLE = {
    "Tus-Resumable": _answer("The tus version spoken.", {"type": "string"}, required=True)
}
ANSWER_OFFSET = {
    "Upload-Offset": _answer("Bytes received so far.", BYTES, required=True),
    "Tertulia-File-Id": _answer(
        "The file the upload made, once complete.", {"type": "string", "pattern": ID_PATTERN}
    ),
}


class TusVersionUnsupported(DomainError):
    """The request does not speak tus 1.0.0 (answered 412 with the version we do)."""

    default_code = "upload.tus_version"


class TusRoute(APIRoute):
    """A route whose every answer, errors included, carries `Tus-Resumable`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def tus_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except TusVersionUnsupported as exc:
                response = problem(
                    request, 412, exc.code, exc.detail, headers={"Tus-Version": TUS_VERSION}
                )
            except DomainError as exc:
                response = await on_domain_error(request, exc)
            except RequestValidationError as exc:
                response = await on_validation_error(request, exc)
            response.headers["Tus-Resumable"] = TUS_VERSION
            return response

        return tus_handler


router = APIRouter(prefix="/api/v1", tags=["files"], route_class=TusRoute)


def _version_told(*codes: Declared) -> dict[int | str, dict[str, Any]]:
    """`problems(...)`, its 412 saying which version to speak."""
    found = problems(*codes)
    found[412]["headers"] = {
        "Tus-Version": _answer("The version to speak.", {"type": "string"}, required=True)
    }
    return found


UploadPath = Annotated[str, Path(pattern=ID_PATTERN, description="An upload id.")]


def _require_tus(request: Request) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise TusVersionUnsupported(f"Send Tus-Resumable: {TUS_VERSION}.")


def _number(request: Request, header: str) -> int | None:
    value = request.headers.get(header)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 19:  # not "²" nor "٣"
        raise Malformed(f"{header} must be a number of bytes.", code="upload.header")
    return int(value)


def _filename(metadata: str) -> str:
    """The file's name from Upload-Metadata (`filename`, or Uppy's `name`): comma-separated
    pairs of a key and its value in base64."""
    if len(metadata) > MAX_METADATA:
        raise Malformed("Upload-Metadata is too long.", code="upload.metadata")
    values: dict[str, str] = {}
    for pair in metadata.split(","):
        key, _, value = pair.strip().partition(" ")
        try:
            values[key] = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, ValueError):  # ValueError: text that is not ASCII
            raise Malformed(
                "Upload-Metadata values must be UTF-8 in base64.", code="upload.metadata"
            ) from None
    return values.get("filename") or values.get("name") or "file"


def _offsets(upload: Upload) -> dict[str, str]:
    headers = {
        "Upload-Offset": str(upload.offset),
        "Upload-Length": str(upload.length),
        "Cache-Control": "no-store",
    }
    if upload.file_id is not None:
        headers["Tertulia-File-Id"] = upload.file_id
    return headers


async def _body(request: Request) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
    except ClientDisconnect:
        raise Malformed("The part was cut off.", code="upload.incomplete") from None


async def _owned(request: Request, core: Tertulia, user: CurrentUser, upload_id: str) -> Upload:
    """The caller's upload (404 for anyone else's), then the protocol version (412)."""
    upload = await core.uploads.get(user, UploadId(upload_id))
    _require_tus(request)
    return upload


@router.options(
    "/uploads",
    status_code=204,
    summary="Resumable uploads: what the server supports",
    response_class=Response,
    responses={
        204: {
            "description": "The tus headers; no body.",
            "headers": {
                "Tus-Version": _answer("Versions spoken.", {"type": "string"}, required=True),
                "Tus-Extension": _answer(
                    "Extensions supported.", {"type": "string"}, required=True
                ),
                "Tus-Max-Size": _answer("The largest file, in bytes.", BYTES, required=True),
            },
        }
    },
    openapi_extra={EVERY_ANSWER_HEADERS: ANSWER_TUS_RESUMABLE},
)
async def discover(user: CurrentUser, core: Core) -> Response:
    """tus discovery: `Tus-Version` (1.0.0), `Tus-Extension` (creation, termination) and
    `Tus-Max-Size` (the file size limit, in bytes)."""
    del user  # any signed-in person may ask
    headers = {
        "Tus-Version": TUS_VERSION,
        "Tus-Extension": TUS_EXTENSIONS,
        "Tus-Max-Size": str(core.uploads.max_bytes),
    }
    return Response(status_code=204, headers=headers)


@router.post(
    "/workspaces/{workspace_id}/uploads",
    status_code=201,
    summary="Start a resumable upload (tus)",
    response_class=Response,
    openapi_extra={
        "parameters": [TUS_RESUMABLE, UPLOAD_LENGTH, UPLOAD_METADATA],
        EVERY_ANSWER_HEADERS: ANSWER_TUS_RESUMABLE,
    },
    responses={
        201: {
            "description": "Created; no body. `Location` is the upload's URL, to `PATCH`.",
            "headers": {
                "Location": _answer(
                    "The upload's URL.", {"type": "string", "format": "uri-reference"}, True
                )
            },
        },
        **_version_told(
            "upload.tus_version",
            "workspace.not_found",
            "upload.length",
            (422, "upload.length"),
            "upload.header",
            "upload.metadata",
            "file.too_large",
            "file.quota_user",
            "file.quota_workspace",
        ),
    },
)
async def create(
    workspace_id: WorkspacePath, request: Request, user: CurrentUser, core: Core
) -> Response:
    """tus creation: `Tus-Resumable: 1.0.0`, `Upload-Length` (bytes; a deferred length is not
    supported) and `Upload-Metadata` with the base64 `filename`. A file that could not be kept
    (over the size limit: 413; over a quota: 409) is refused before any byte is sent: the
    quotas count the files kept and the length of every upload under way, this one's from
    now until it ends or expires. Then send the bytes with `PATCH` to the `Location` answered."""
    ws = WorkspaceId(workspace_id)
    await core.files.check_room(user, ws, None)  # membership first: outsiders learn nothing
    _require_tus(request)
    length = _number(request, "upload-length")
    if length is None:
        raise Malformed(
            "Send Upload-Length (deferred lengths are not supported).", code="upload.length"
        )
    name = _filename(request.headers.get("upload-metadata", ""))
    upload = await core.uploads.create(user, ws, name, length)
    return Response(status_code=201, headers={"Location": f"/api/v1/uploads/{upload.id}"})


@router.head(
    "/uploads/{upload_id}",
    summary="Where a resumable upload stands (tus)",
    response_class=Response,
    openapi_extra={"parameters": [TUS_RESUMABLE], EVERY_ANSWER_HEADERS: ANSWER_TUS_RESUMABLE},
    responses={
        200: {
            "description": "No body: `Upload-Offset` and `Upload-Length` say where it stands.",
            "headers": {
                **ANSWER_OFFSET,
                "Upload-Length": _answer("Bytes the whole file has.", BYTES, required=True),
                "Cache-Control": _answer("`no-store`.", {"type": "string"}, required=True),
            },
        },
        **_version_told("upload.tus_version", "upload.not_found", "upload.expired"),
    },
)
async def offset(
    upload_id: UploadPath, request: Request, user: CurrentUser, core: Core
) -> Response:
    """tus: `Upload-Offset` (bytes received) and `Upload-Length`, to resume from. A complete
    upload also names its file in `Tertulia-File-Id`. An expired upload: 404."""
    upload = await _owned(request, core, user, upload_id)
    return Response(status_code=200, headers=_offsets(upload))


@router.patch(
    "/uploads/{upload_id}",
    status_code=204,
    summary="Send bytes of a resumable upload (tus)",
    response_class=Response,
    openapi_extra={
        "parameters": [TUS_RESUMABLE, UPLOAD_OFFSET],
        "requestBody": {
            "required": True,
            "content": {OFFSET_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
        EVERY_ANSWER_HEADERS: ANSWER_TUS_RESUMABLE,
    },
    responses={
        204: {
            "description": "Taken; no body. The new `Upload-Offset` (and `Tertulia-File-Id`"
            " at the end).",
            "headers": ANSWER_OFFSET,
        },
        **_version_told(
            "upload.tus_version",
            "upload.not_found",
            "upload.expired",
            "upload.complete",
            "upload.offset_mismatch",
            "upload.too_many_parts",
            "upload.retry",
            "upload.offset",
            "upload.header",
            "upload.incomplete",
            "upload.bad_content_type",
            (413, "upload.length"),
            *STORED_FILE,
        ),
    },
)
async def append(
    upload_id: UploadPath, request: Request, user: CurrentUser, core: Core
) -> Response:
    """tus: the bytes from `Upload-Offset`, which must be where the upload stands (else 409
    `upload.offset_mismatch`; ask with HEAD), as `application/offset+octet-stream` (else 415).
    Bytes past `Upload-Length`: 413, nothing kept. A request cut off keeps nothing: resend
    from the last offset. The last part makes the file (its type detected, the policy and
    quotas applied: a refused file ends the upload with 415 or 409) and names it in
    `Tertulia-File-Id`. Patching a finished upload: 409 `upload.complete`. An upload has at
    most 10,000 parts: the last of them must carry every byte left (else 409
    `upload.too_many_parts`, nothing kept)."""
    await _owned(request, core, user, upload_id)
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != OFFSET_TYPE:
        raise Unsupported(f"Send the bytes as {OFFSET_TYPE}.", "upload.bad_content_type")
    at = _number(request, "upload-offset")
    if at is None:
        raise Malformed("Send Upload-Offset.", code="upload.offset")
    declared = _number(request, "content-length")
    upload = await core.uploads.append(user, UploadId(upload_id), at, _body(request), declared)
    headers = _offsets(upload)
    del headers["Upload-Length"], headers["Cache-Control"]
    return Response(status_code=204, headers=headers)


@router.get(
    "/uploads/{upload_id}",
    summary="A resumable upload's progress",
    responses=problems("upload.not_found", "upload.expired"),
    openapi_extra={EVERY_ANSWER_HEADERS: ANSWER_TUS_RESUMABLE},
)
async def get_upload(upload_id: UploadPath, user: CurrentUser, core: Core) -> UploadOut:
    """Your upload: bytes received of how many, and its file once complete (plain JSON, for
    clients that do not speak tus)."""
    return UploadOut.of(await core.uploads.get(user, UploadId(upload_id)))


@router.delete(
    "/uploads/{upload_id}",
    status_code=204,
    summary="Cancel a resumable upload (tus)",
    response_class=Response,
    openapi_extra={"parameters": [TUS_RESUMABLE], EVERY_ANSWER_HEADERS: ANSWER_TUS_RESUMABLE},
    responses={
        204: {"description": "Cancelled; no body."},
        **_version_told("upload.tus_version", "upload.not_found", "upload.expired"),
    },
)
async def terminate(
    upload_id: UploadPath, request: Request, user: CurrentUser, core: Core
) -> Response:
    """tus termination: the bytes received are dropped and the upload is gone (404 after).
    A file it already made stays."""
    await _owned(request, core, user, upload_id)
    await core.uploads.terminate(user, UploadId(upload_id))
    return Response(status_code=204)
