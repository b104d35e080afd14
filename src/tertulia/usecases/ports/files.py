"""Ports of files: the blob store, the file records and resumable uploads, the virus
scanner, the type sniffer and the image processor."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from tertulia.domain.attachments import StoredFile
from tertulia.domain.ids import (
    ChannelId,
    FileId,
    MessageId,
    UploadId,
    UserId,
    WorkspaceId,
)
from tertulia.domain.uploads import Upload, UploadPart
from tertulia.usecases.ports.search import FileFilter

BLOB_KEY = r"^[0-9a-f]{64}$"  # a blob's key: the SHA-256 of its bytes, in hex


class BlobTooLarge(Exception):
    """The bytes offered ran past the limit; nothing was kept."""


@dataclass(frozen=True, slots=True)
class Blob:
    """Bytes kept by content: the same bytes, stored twice, are one blob."""

    key: str  # sha256 hex
    size: int


class BlobStore(Protocol):
    """Where file bytes live (a local directory, an S3-compatible bucket). Content-addressed:
    a blob is written once, under the SHA-256 of its bytes, and never changes."""

    async def put(self, chunks: AsyncIterable[bytes], max_bytes: int) -> Blob:
        """Stream the chunks in, hashing them; keep them under their hash (once, however
        often they are put). Past `max_bytes`, stop reading, keep nothing, raise
        BlobTooLarge. Only a complete blob is ever visible under its key."""

    async def size(self, key: str) -> int | None:
        """The blob's size, or None if there is none under that key."""

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """Its bytes from `start` up to `end` (exclusive; the end of the blob if None), in
        chunks; KeyError if there is none."""

    async def delete(self, key: str) -> None:
        """Remove the blob; nothing happens if there is none."""

    async def presigned_url(
        self, key: str, seconds: int, content_type: str, disposition: str
    ) -> str | None:
        """A URL that serves the blob without us for `seconds`, with these response headers
        (an S3 presigned GET); None if the store cannot, and the blob is served through us."""


class VirusScanner(Protocol):
    """Checks stored bytes for malware (ClamAV's clamd, where an installation runs one)."""

    async def scan(self, chunks: AsyncIterable[bytes]) -> str | None:
        """The name of the threat found in these bytes, or None if they are clean. Raises
        ScannerUnavailable if the scanner cannot answer (the upload is then refused)."""


class ScannerUnavailable(Exception):
    """The virus scanner did not answer."""


class TooLargeToScan(ScannerUnavailable):
    """The scanner will not take this many bytes (clamd's StreamMaxLength): they cannot be
    checked, and a retry will not change that."""


class FileStore(Protocol):
    async def add(self, file: StoredFile) -> None: ...

    async def save(self, file: StoredFile) -> None:
        """Store every changeable field, thumbnails included."""

    async def find(self, file_id: FileId, lock: bool = False) -> StoredFile | None: ...

    async def find_many(self, file_ids: Sequence[FileId]) -> list[StoredFile]: ...

    async def of_messages(
        self, message_ids: Sequence[MessageId]
    ) -> dict[MessageId, list[StoredFile]]:
        """The live files of each message, in upload order."""

    async def attach(
        self, file_ids: Sequence[FileId], message_id: MessageId, channel_id: ChannelId
    ) -> None: ...

    async def usage(self, workspace_id: WorkspaceId, uploader_id: UserId) -> tuple[int, int]:
        """Bytes held by live files: the uploader's in the workspace, and the workspace's."""

    async def lock_usage(self, workspace_id: WorkspaceId) -> None:
        """Serialise whoever takes room in the workspace's quotas until the transaction ends."""

    async def in_channel(
        self, channel_id: ChannelId, before: tuple[datetime, str] | None, limit: int
    ) -> list[StoredFile]:
        """The live files shared in a channel, newest first, after the (created_at, id) key."""

    async def search(
        self, where: FileFilter, before: tuple[datetime, str] | None, limit: int
    ) -> list[StoredFile]:
        """The live files `where` lets through, newest first, after the (created_at, id) key."""

    async def referenced(self, key: str) -> bool:
        """Whether any live file still holds the blob (served, source or thumbnail)."""

    async def lock_blob(self, key: str) -> None:
        """Serialise whoever takes or frees this blob until the transaction ends."""

    async def held_keys(self, after: str, limit: int) -> list[str]:
        """The blobs live files hold, in key order, after `after`."""

    async def count_held_keys(self) -> int: ...


SniffType = Callable[[bytes], str]  # the MIME type of a file from its first bytes (magic)


SNIFF_BYTES = 8192  # how much of a file's start the sniffer is given


THUMBNAIL_SIZES = (64, 360, 1280)  # bounding boxes, px; the largest is the display size


class ImageRejected(Exception):
    """The image cannot be processed; it stays a plain attachment. `code` says why:
    image.too_large (more pixels or frames than the policy allows: a decompression bomb, or
    more than a worker's memory can decode), image.corrupt (truncated or malformed),
    image.unsupported (a format we do not render), image.too_slow (its work took longer than
    allowed, and was stopped). `original` is the file without its metadata, when the work
    got that far: what may be served of it (never the bytes as uploaded)."""

    def __init__(self, code: str, detail: str, original: Path | None = None) -> None:
        super().__init__(code, detail, original)
        self.code = code
        self.detail = detail
        self.original = original

    def __str__(self) -> str:
        return self.detail


@dataclass(frozen=True, slots=True)
class Rendition:
    """One file the processor wrote: a thumbnail (size = its bounding box) or the cleaned
    original (size 0)."""

    size: int
    path: Path
    content_type: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    width: int | None  # of the image as shown (orientation applied); None for SVG
    height: int | None
    animated: bool
    placeholder: str  # a BlurHash of the image as shown
    original: Rendition  # the original with every piece of metadata removed, pixels untouched
    thumbnails: tuple[Rendition, ...]  # one per THUMBNAIL_SIZES entry, smallest first (WebP);


class ImageProcessor(Protocol):
    """Image work, off the event loop (a pool of worker processes)."""

    async def process(self, source: Path, content_type: str, workdir: Path) -> ProcessedImage:
        """Read the image at `source` (whose sniffed type is `content_type`), write its
        renditions into `workdir`, and describe them. ImageRejected if it cannot be."""

    async def aclose(self) -> None:
        """Stop the workers."""


class UploadStore(Protocol):
    """Resumable uploads and their parts (the blobs the parts hold stay alive: see
    `FileStore.referenced`)."""

    async def add(self, upload: Upload) -> None: ...

    async def find(self, upload_id: UploadId, lock: bool = False) -> Upload | None: ...

    async def save(self, upload: Upload) -> None:
        """Store its offset, expiry and file."""

    async def add_part(self, upload_id: UploadId, part: UploadPart) -> None: ...

    async def parts(self, upload_id: UploadId) -> list[UploadPart]:
        """Its parts, in order."""

    async def part_count(self, upload_id: UploadId) -> int:
        """How many parts it has."""

    async def drop_parts(self, upload_id: UploadId) -> list[str]:
        """Forget its parts; the keys of the blobs they held."""

    async def delete(self, upload_id: UploadId) -> list[str]:
        """Forget the upload and its parts; the keys of the blobs the parts held."""

    async def reserved(
        self,
        workspace_id: WorkspaceId,
        uploader_id: UserId,
        now: datetime,
        excluding: UploadId | None = None,
    ) -> tuple[int, int]:
        """Bytes promised to uploads under way at `now` (unfinished and unexpired; all but
        `excluding`): the uploader's in the workspace, and the workspace's."""

    async def delete_expired(self, now: datetime, limit: int) -> tuple[int, list[str]]:
        """Forget up to `limit` uploads that expired by `now`, and their parts, skipping any
        another transaction holds: how many went, and the keys of the blobs the parts held."""
