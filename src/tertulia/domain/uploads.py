"""Resumable uploads (tus): an upload under way and the parts it has received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tertulia.domain.ids import (
    FileId,
    UploadId,
    UserId,
    WorkspaceId,
)


@dataclass(frozen=True, slots=True)
class Upload:
    """A resumable upload (tus) under way: the bytes come in parts, each one a blob, until
    `offset` reaches `length`; then they become a file (`file_id`)."""

    id: UploadId
    workspace_id: WorkspaceId
    uploader_id: UserId
    name: str
    length: int  # bytes the whole file has, declared at creation
    offset: int  # bytes received and recorded so far
    created_at: datetime
    expires_at: datetime  # 24 h after the last part (or the creation)
    file_id: FileId | None = None  # the file made once every byte came


@dataclass(frozen=True, slots=True)
class UploadPart:
    """One PATCH's bytes: a blob, placed at `start` in the upload."""

    start: int
    blob_key: str
    size: int
