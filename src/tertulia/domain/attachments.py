"""Files as people share them: uploaded into a workspace, attached to one message, readable by
whoever may read that message, deleted by their uploader or an admin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tertulia.domain.errors import Forbidden, Invalid, NotFound
from tertulia.domain.events.data import FileData
from tertulia.domain.ids import ChannelId, FileId, MessageId, UserId, WorkspaceId
from tertulia.domain.workspaces import Membership

MAX_FILES_PER_MESSAGE = 10


class FileStatus(StrEnum):
    """`processing`: an image being optimised (its bytes are not served until it is ready, so
    that nobody gets its metadata); `ready`: served; `failed`: an image we could not process,
    kept and served as a plain attachment, with the reason in `problem`."""

    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Thumbnail:
    size: int  # the bounding box it fits, px
    blob_key: str
    width: int
    height: int
    bytes: int
    content_type: str = "image/webp"


@dataclass(frozen=True, slots=True)
class StoredFile:
    id: FileId
    workspace_id: WorkspaceId
    uploader_id: UserId
    name: str
    size: int  # of the bytes served
    content_type: str  # what is served as Content-Type (from the content, never the client)
    kind: str  # image, video, audio, pdf, text, svg, archive, document, other
    inline: bool  # whether a browser may show it in the page
    blob_key: str | None  # what is served; None once deleted
    status: FileStatus
    created_at: datetime
    source_key: str | None = None  # the bytes as uploaded, while an image waits for its work
    width: int | None = None
    height: int | None = None
    animated: bool = False
    placeholder: str = ""  # a BlurHash, to paint while the thumbnail loads
    problem: str | None = None  # why processing failed: image.too_large, image.corrupt…
    message_id: MessageId | None = None
    channel_id: ChannelId | None = None
    deleted_at: datetime | None = None
    thumbnails: tuple[Thumbnail, ...] = ()

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def keys(self) -> tuple[str, ...]:
        """Every blob this file holds on to."""
        found = [self.blob_key, self.source_key, *(t.blob_key for t in self.thumbnails)]
        return tuple(dict.fromkeys(k for k in found if k))

    def thumbnail(self, size: int) -> Thumbnail | None:
        return next((t for t in self.thumbnails if t.size == size), None)


def check_readable(file: StoredFile | None, viewer: UserId, channel_readable: bool) -> StoredFile:
    """The uploader sees their file; once attached, whoever may read its channel does too.
    Anyone else is told there is no such file."""
    if file is None or file.is_deleted:
        raise NotFound("No such file.", "file.not_found")
    if file.uploader_id != viewer and not (file.message_id and channel_readable):
        raise NotFound("No such file.", "file.not_found")
    return file


def check_attach(
    wanted: Sequence[FileId],
    found: Sequence[StoredFile],
    author: UserId,
    workspace: WorkspaceId,
) -> tuple[StoredFile, ...]:
    """The files a new message may carry: at most MAX_FILES_PER_MESSAGE, each uploaded by its
    author into the same workspace, not deleted and not attached to another message."""
    if len(wanted) > MAX_FILES_PER_MESSAGE:
        raise Invalid.field(
            "file_ids",
            "message.too_many_files",
            f"A message carries at most {MAX_FILES_PER_MESSAGE} files.",
        )
    if len(set(wanted)) != len(wanted):
        raise Invalid.field("file_ids", "message.duplicate_file", "A file is listed twice.")
    by_id = {f.id: f for f in found}
    result = []
    for file_id in wanted:
        file = by_id.get(file_id)
        if (
            file is None
            or file.is_deleted
            or file.uploader_id != author
            or file.workspace_id != workspace
        ):
            raise Invalid.field(
                "file_ids", "file.not_found", f"No file {file_id} of yours in this workspace."
            )
        if file.message_id is not None:
            raise Invalid.field(
                "file_ids", "file.already_shared", f"File {file_id} is already in a message."
            )
        result.append(file)
    return tuple(result)


def check_delete(file: StoredFile, actor: Membership) -> None:
    """The uploader deletes their file; an admin of its workspace any file."""
    if file.uploader_id != actor.user_id and not actor.role.is_admin:
        raise Forbidden("Only the uploader or an admin can delete a file.", "file.not_uploader")


def file_data(file: StoredFile) -> FileData:
    """A file as whoever may read it sees it (never its storage keys)."""
    return {
        "id": file.id,
        "workspace_id": file.workspace_id,
        "uploader_id": file.uploader_id,
        "name": file.name,
        "size": file.size,
        "content_type": file.content_type,
        "kind": file.kind,
        "status": file.status.value,
        "problem": file.problem,
        "width": file.width,
        "height": file.height,
        "animated": file.animated,
        "placeholder": file.placeholder,
        "thumbnails": [
            {"size": t.size, "width": t.width, "height": t.height} for t in file.thumbnails
        ],
        "message_id": file.message_id,
        "channel_id": file.channel_id,
        "created_at": file.created_at,
    }
