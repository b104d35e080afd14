"""Files: a file as uploaded and served, its thumbnails, resumable (tus) uploads."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from tertulia.domain.attachments import file_data
from tertulia.web.schemas.common import Out
from tertulia.web.schemas.params import (
    EXAMPLE_CH,
    EXAMPLE_FILE,
    EXAMPLE_MSG,
    EXAMPLE_TIME,
    EXAMPLE_USER,
    EXAMPLE_WS,
)


class ThumbnailOut(Out):
    size: int = Field(description="The box it fits in, px: one of 64, 360, 1280.", examples=[360])
    width: int = Field(description="Its width, px.", examples=[360])
    height: int = Field(description="Its height, px.", examples=[270])


class FileOut(Out):
    """A file. Its bytes: `GET /api/v1/files/{id}/content`; an image's thumbnails:
    `GET /api/v1/files/{id}/thumbnails/{size}` (WebP)."""

    id: str = Field(description="File id.", examples=[EXAMPLE_FILE])
    workspace_id: str = Field(description="Its workspace.", examples=[EXAMPLE_WS])
    uploader_id: str = Field(description="Who uploaded it.", examples=[EXAMPLE_USER])
    name: str = Field(
        description="The uploaded name, made safe: no path, no control or invisible "
        "characters, at most 200 bytes.",
        examples=["informe_q3.pdf"],
    )
    size: int = Field(description="Bytes served (an image's, once cleaned).", examples=[48213])
    content_type: str = Field(
        description="Its type, detected from its content (never from the name or the "
        "uploader's Content-Type).",
        examples=["application/pdf"],
    )
    kind: str = Field(
        description="image, video, audio, pdf, text, svg, archive, document or other.",
        examples=["pdf"],
    )
    status: Literal["processing", "ready", "failed"] = Field(
        description="processing: an image being optimised (its content is not served yet; "
        "`file.ready` or `file.failed` follows on the socket); ready; failed: an image we "
        "could not process, kept as a plain download (see `problem`).",
        examples=["ready"],
    )
    problem: str | None = Field(
        description="Why processing failed: image.too_large (too many pixels or frames), "
        "image.corrupt, image.unsupported, image.too_slow (its processing took longer than "
        "allowed and was stopped), image.error.",
        examples=[None],
    )
    width: int | None = Field(description="An image's width as shown, px.", examples=[4000])
    height: int | None = Field(description="An image's height as shown, px.", examples=[3000])
    animated: bool = Field(description="An animated GIF or WebP.", examples=[False])
    placeholder: str = Field(
        description="A BlurHash of an image, to paint while it loads ('' otherwise).",
        examples=["LEHV6nWB2yk8pyo0adR*.7kCMdnj"],
    )
    thumbnails: list[ThumbnailOut] = Field(description="An image's WebP thumbnails.")
    message_id: str | None = Field(
        description="The message that shares it (null until shared).", examples=[EXAMPLE_MSG]
    )
    channel_id: str | None = Field(
        description="Where it was shared (null until shared).", examples=[EXAMPLE_CH]
    )
    created_at: datetime = Field(description="When it was uploaded.", examples=[EXAMPLE_TIME])

    @classmethod
    def of(cls, data: Any) -> FileOut:
        return cls.model_validate(data if isinstance(data, dict) else file_data(data))


EXAMPLE_UPLOAD = "01JD5ZG0UP10AD000000000000"


class UploadOut(Out):
    """A resumable upload: how far it got, and the file it made once complete."""

    id: str = Field(description="Upload id.", examples=[EXAMPLE_UPLOAD])
    workspace_id: str = Field(description="Where the file goes.", examples=[EXAMPLE_WS])
    name: str = Field(description="The file's name, made safe.", examples=["informe_q3.pdf"])
    offset: int = Field(description="Bytes received so far.", examples=[5242880])
    length: int = Field(description="Bytes the whole file has.", examples=[10485760])
    file_id: str | None = Field(
        description="The file made once every byte came (null until then).",
        examples=[EXAMPLE_FILE],
    )
    created_at: datetime = Field(description="When the upload began.", examples=[EXAMPLE_TIME])
    expires_at: datetime = Field(
        description="When it is dropped if no more bytes come (24 h after the last part).",
        examples=[EXAMPLE_TIME],
    )

    @classmethod
    def of(cls, upload: Any) -> UploadOut:
        return cls(
            id=upload.id,
            workspace_id=upload.workspace_id,
            name=upload.name,
            offset=upload.offset,
            length=upload.length,
            file_id=upload.file_id,
            created_at=upload.created_at,
            expires_at=upload.expires_at,
        )
