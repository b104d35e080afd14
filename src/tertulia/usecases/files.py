"""Files: uploads (typed by their content, bounded by size and quotas), what a download
serves, and their deletion (who may read one is `access.require_file`'s to say); filework.py
does the work on them off the request (images, freeing stored bytes).

Stored bytes are content-addressed and shared: a blob is freed only when no live file holds
it, by a `collect` job that checks and deletes under the blob's lock, so an upload of the same
bytes at that moment either keeps them alive or learns they are gone (never a broken link)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from tertulia.domain import attachments
from tertulia.domain.attachments import FileStatus, StoredFile
from tertulia.domain.errors import (
    Conflict,
    DomainError,
    Invalid,
    NotFound,
    TooLarge,
    Unavailable,
    Unsupported,
)
from tertulia.domain.events.files import FileCreated, FileDeleted
from tertulia.domain.filenames import safe_filename, thumbnail_name
from tertulia.domain.files import FileKind, TypePolicy, decide
from tertulia.domain.ids import ChannelId, FileId, UploadId, UserId, WorkspaceId, new_id
from tertulia.domain.pdf import ActiveContent
from tertulia.domain.uploads import Upload
from tertulia.usecases import jobs, pages
from tertulia.usecases.access import require_channel, require_file, require_membership
from tertulia.usecases.ports import Clock, UnitOfWork, UnitOfWorkFactory
from tertulia.usecases.ports.files import (
    SNIFF_BYTES,
    Blob,
    BlobStore,
    BlobTooLarge,
    ScannerUnavailable,
    SniffType,
    TooLargeToScan,
    VirusScanner,
)

log = logging.getLogger("tertulia.files")

IMAGE_JOB = "image"
COLLECT_JOB = "collect"
COLLECT_DELAY = 60.0  # freed bytes are kept this long first


@dataclass(frozen=True, slots=True)
class FileLimits:
    """How big a file may be, and how many bytes may be kept. The quotas count live files and
    the declared length of resumable uploads under way (space promised to them is taken)."""

    max_bytes: int = 100 * 1024 * 1024
    user_quota: int | None = None  # bytes per person per workspace
    workspace_quota: int | None = None  # bytes per workspace

    @property
    def has_quota(self) -> bool:
        return self.user_quota is not None or self.workspace_quota is not None


@dataclass(frozen=True, slots=True)
class Served:
    """What a download sends: which blob, as what, under which name (a thumbnail's is the
    file's with the extension of what thumbnails are, .webp)."""

    file: StoredFile
    key: str
    size: int
    content_type: str
    inline: bool
    name: str


async def collect_later(uow: UnitOfWork, keys: Iterable[str], now: datetime) -> None:
    """Free these blobs after COLLECT_DELAY, in this transaction's queue, unless something
    holds them by then (the collect job checks under the blob's lock)."""
    for key in keys:
        await jobs.enqueue(uow, COLLECT_JOB, key, now, COLLECT_DELAY)


async def still_stored(uow: UnitOfWork, blobs: BlobStore, key: str) -> bool:
    """Take the blob's lock for this transaction and say whether its bytes are there: bytes
    put again while a collect job was freeing them may be gone. Once this transaction
    records a hold on them, no collect job can free them."""
    await uow.files.lock_blob(key)
    return await uow.files.referenced(key) or await blobs.size(key) is not None


async def forget(uow: UnitOfWork, file: StoredFile, now: datetime) -> StoredFile:
    """Delete a file in this transaction: a tombstone stays (so a message shows it is gone),
    its bytes are freed later by a collect job, and everyone who saw it hears of it."""
    gone = replace(file, deleted_at=now, blob_key=None, source_key=None, thumbnails=())
    await uow.files.save(gone)
    await collect_later(uow, file.keys, now)
    uow.emit(FileDeleted.of(file))
    return gone


@dataclass(frozen=True, slots=True)
class Files:
    uow: UnitOfWorkFactory
    clock: Clock
    blobs: BlobStore
    sniff: SniffType
    policy: TypePolicy
    limits: FileLimits = FileLimits()
    wake: Callable[[], None] = lambda: None  # tells this process's worker that work is queued
    scanner: VirusScanner | None = None  # checks every upload's bytes before they are kept

    def _room(self, used: tuple[int, int]) -> tuple[int, str]:
        """How many bytes an upload may have, and what refuses it beyond that."""
        room, limit = self.limits.max_bytes, "size"
        if self.limits.user_quota is not None and self.limits.user_quota - used[0] < room:
            room, limit = max(0, self.limits.user_quota - used[0]), "user"
        if self.limits.workspace_quota is not None and self.limits.workspace_quota - used[1] < room:
            room, limit = max(0, self.limits.workspace_quota - used[1]), "workspace"
        return room, limit

    def _refusal(self, limit: str) -> Exception:
        if limit == "size":
            mib = self.limits.max_bytes / (1024 * 1024)
            return TooLarge(f"A file has at most {mib:g} MiB.", "file.too_large")
        whose = "your" if limit == "user" else "this workspace's"
        return Conflict(
            f"This file does not fit in {whose} storage quota; delete some files first.",
            f"file.quota_{limit}",
        )

    async def _usage(
        self, uow: UnitOfWork, workspace_id: WorkspaceId, user: UserId, upload: UploadId | None
    ) -> tuple[int, int]:
        """The bytes the quotas count, the user's and the workspace's: live files, and the
        declared length of uploads under way (`upload`, which the file being kept completes,
        aside: its room is the file's)."""
        if not self.limits.has_quota:
            return 0, 0
        files = await uow.files.usage(workspace_id, user)
        promised = await uow.uploads.reserved(workspace_id, user, self.clock(), upload)
        return files[0] + promised[0], files[1] + promised[1]

    async def check_room(
        self,
        user: UserId,
        workspace_id: WorkspaceId,
        declared: int | None,
        upload: UploadId | None = None,
    ) -> tuple[int, str]:
        """Whether an upload of `declared` bytes may start (membership, size, quotas): the
        room it has. Refused before a byte of the body is read."""
        async with self.uow(read_only=True) as uow:
            await require_membership(uow, workspace_id, user)
            room, limit = self._room(await self._usage(uow, workspace_id, user, upload))
        if declared is not None and declared > room:
            raise self._refusal(limit)
        return room, limit

    async def take_room(
        self,
        uow: UnitOfWork,
        user: UserId,
        workspace_id: WorkspaceId,
        size: int,
        upload: UploadId | None = None,
    ) -> None:
        """In this (writing) transaction, refuse `size` more bytes of the user's in the
        workspace unless they fit (membership, size, quotas). What the transaction then
        writes has its room: no other takes room in the workspace until it ends."""
        await require_membership(uow, workspace_id, user)
        if self.limits.has_quota:
            await uow.files.lock_usage(workspace_id)
        room, limit = self._room(await self._usage(uow, workspace_id, user, upload))
        if size > room:
            raise self._refusal(limit)

    async def upload(
        self,
        user: UserId,
        workspace_id: WorkspaceId,
        name: str,
        chunks: AsyncIterable[bytes],
        declared: int | None = None,
        completes: UploadId | None = None,
    ) -> StoredFile:
        """Keep a file in the workspace for its uploader, who may then attach it to a
        message. Its type comes from its content; the policy may refuse it (nothing is kept).

        With `completes`, the bytes are those of that resumable upload, which ends in the
        transaction that keeps the file: the room promised to it becomes the file's (never
        counted twice), and its parts are freed later. NotFound (upload.not_found,
        upload.expired) if it is gone, Conflict (upload.complete) if another request ended
        it first."""
        room, limit = await self.check_room(user, workspace_id, declared, completes)
        name = safe_filename(name)
        sniffed: list[str] = []
        try:
            blob = await self.blobs.put(self._sniffing(chunks, name, sniffed), room)
        except BlobTooLarge:
            raise self._refusal(limit) from None
        try:
            file = await self._keep(user, workspace_id, name, blob, sniffed, completes)
        except DomainError:  # refused once stored: the bytes go unless another file has them
            async with self.uow() as uow:
                await collect_later(uow, [blob.key], self.clock())
                await uow.commit()
            raise
        if file.status is FileStatus.PROCESSING:
            self.wake()
        return file

    async def _keep(
        self,
        user: UserId,
        workspace_id: WorkspaceId,
        name: str,
        blob: Blob,
        sniffed: list[str],
        completes: UploadId | None,
    ) -> StoredFile:
        """Record stored bytes as a file, if they are not empty, clean and still in quota
        (ending the upload they complete, if any)."""
        if blob.size == 0 or not sniffed:
            raise Invalid.field("file", "file.empty", "The file is empty.")
        verdict = decide(self.policy, sniffed[0], name)
        image = verdict.cleaned  # served only once a worker has removed its metadata
        if self.scanner is not None:
            await self._scan(self.scanner, blob.key)
        inline = verdict.inline
        if inline and verdict.kind is FileKind.PDF:
            inline = await self._inert_pdf(blob.key)
        now = self.clock()
        file = StoredFile(
            id=FileId(new_id()),
            workspace_id=workspace_id,
            uploader_id=user,
            name=name,
            size=blob.size,
            content_type=verdict.content_type,
            kind=verdict.kind,
            inline=inline,
            blob_key=None if image else blob.key,
            source_key=blob.key if image else None,
            status=FileStatus.PROCESSING if image else FileStatus.READY,
            created_at=now,
        )
        async with self.uow() as uow:
            ending = await self._ending(uow, completes, now) if completes else None
            await self.take_room(uow, user, workspace_id, blob.size, completes)
            if not await still_stored(uow, self.blobs, blob.key):
                raise Conflict("The upload was interrupted; send it again.", "file.retry")
            await uow.files.add(file)
            if ending is not None:
                await uow.uploads.save(replace(ending, file_id=file.id))
                await collect_later(uow, await uow.uploads.drop_parts(ending.id), now)
            if image:
                await jobs.enqueue(uow, IMAGE_JOB, file.id, now)
            uow.emit(FileCreated.of(file))
            await uow.commit()
        return file

    async def _ending(self, uow: UnitOfWork, upload_id: UploadId, now: datetime) -> Upload:
        """The upload a file completes, locked: still under way, or this file is not kept."""
        upload = await uow.uploads.find(upload_id, lock=True)
        if upload is None:
            raise NotFound("No such upload.", "upload.not_found")
        if upload.expires_at <= now:
            raise NotFound("This upload has expired; start it again.", "upload.expired")
        if upload.file_id is not None:
            raise Conflict("This upload is complete.", "upload.complete")
        return upload

    async def _inert_pdf(self, key: str) -> bool:
        """Whether a PDF may be shown inline: it holds no script or action that runs on its
        own (read in a thread, a chunk at a time; see domain.pdf)."""
        scan = ActiveContent()
        async for chunk in self.blobs.read(key):
            await asyncio.to_thread(scan.feed, chunk)
            if scan.reason is not None:
                log.info("PDF %s served as an attachment: %s", key, scan.reason)
                return False
        return True

    async def _scan(self, scanner: VirusScanner, key: str) -> None:
        """Refuse bytes the scanner finds a threat in, or cannot check."""
        try:
            threat = await scanner.scan(self.blobs.read(key))
        except TooLargeToScan:
            raise TooLarge(
                "This file is too big to be checked for viruses, so it cannot be kept.",
                "file.too_large_to_scan",
            ) from None
        except ScannerUnavailable as exc:
            log.warning("virus scanner unavailable: %s", exc)
            raise Unavailable(
                "Files cannot be checked for viruses right now; try again in a minute.",
                retry_after=60,
                code="file.scanner_unavailable",
            ) from None
        if threat is not None:
            raise Invalid.field(
                "file", "file.infected", f"This file contains {threat}; it was not kept."
            )

    async def _sniffing(
        self, chunks: AsyncIterable[bytes], name: str, sniffed: list[str]
    ) -> AsyncIterator[bytes]:
        """The chunks, passed on once the first SNIFF_BYTES have told the file's type and
        the policy allowed it (a refused file stops the upload there)."""
        head = bytearray()
        async for chunk in chunks:
            if sniffed:
                yield chunk
                continue
            head += chunk
            if len(head) >= SNIFF_BYTES:
                self._allow(bytes(head[:SNIFF_BYTES]), name, sniffed)
                yield bytes(head)
        if not sniffed and head:
            self._allow(bytes(head), name, sniffed)
            yield bytes(head)

    def _allow(self, head: bytes, name: str, sniffed: list[str]) -> None:
        content_type = self.sniff(head)
        verdict = decide(self.policy, content_type, name)
        if verdict.reason == "file.image_unsupported":
            raise Unsupported(
                f"Images of type {content_type} are not accepted: their metadata (where and "
                "with what they were taken) cannot be removed. Send a JPEG, PNG, GIF, WebP, "
                "AVIF, HEIC, TIFF, BMP or ICO.",
                verdict.reason,
            )
        if not verdict.allowed:
            raise Unsupported(
                f"Files of type {content_type} are not accepted here.",
                verdict.reason or "file.type_denied",
            )
        sniffed.append(content_type)

    async def get(self, viewer: UserId, file_id: FileId) -> StoredFile:
        async with self.uow(read_only=True) as uow:
            return await require_file(uow, viewer, file_id)

    async def served(self, viewer: UserId, file_id: FileId, size: int | None = None) -> Served:
        """What to send for a download of the file (or of one of its thumbnails)."""
        file = await self.get(viewer, file_id)
        return self.rendition(file, size)

    def rendition(self, file: StoredFile, size: int | None) -> Served:
        """What a download of the file (or its thumbnail of `size`) serves. NotFound
        (file.no_thumbnail), Conflict (file.processing; file.unreadable: an image that
        failed before its metadata could be removed, whose bytes are never served)."""
        if size is not None:
            thumbnail = file.thumbnail(size)
            if thumbnail is None:
                raise NotFound(f"This file has no {size} px thumbnail.", "file.no_thumbnail")
            return Served(
                file,
                thumbnail.blob_key,
                thumbnail.bytes,
                thumbnail.content_type,
                True,
                thumbnail_name(file.name),
            )
        if file.status is FileStatus.PROCESSING:
            raise Conflict(
                "This image is being prepared; it is ready in a moment.", "file.processing"
            )
        if file.blob_key is None:
            raise Conflict(
                "This image could not be read, so its metadata could not be removed: it "
                "cannot be downloaded.",
                "file.unreadable",
            )
        if file.status is FileStatus.FAILED:  # not shown: its metadata gone, a download
            return Served(
                file, file.blob_key, file.size, "application/octet-stream", False, file.name
            )
        return Served(file, file.blob_key, file.size, file.content_type, file.inline, file.name)

    async def find_signed(self, file_id: FileId, size: int | None) -> Served | None:
        """What a signed URL of the file serves now, or None if the file is gone (the URL's
        signature covers the blob, so a URL of other bytes than these no longer works)."""
        async with self.uow(read_only=True) as uow:
            file = await uow.files.find(file_id)
        if file is None or file.is_deleted:
            return None
        try:
            return self.rendition(file, size)
        except (NotFound, Conflict):
            return None

    async def delete(self, actor: UserId, file_id: FileId) -> None:
        """Delete a file (its uploader, or an admin of its workspace): it disappears from its
        message and every list; its bytes go once nothing else holds them."""
        now = self.clock()
        async with self.uow() as uow:
            file = await require_file(uow, actor, file_id, lock=True)
            membership = await require_membership(uow, file.workspace_id, actor)
            attachments.check_delete(file, membership)
            await forget(uow, file, now)
            await uow.commit()
        self.wake()

    async def in_channel(
        self, viewer: UserId, channel_id: ChannelId, cursor: str | None, limit: int
    ) -> pages.Page[StoredFile]:
        """The files shared in a channel the viewer may read, newest first."""
        limit = pages.check_limit(limit)
        before = pages.time_key(cursor)
        async with self.uow(read_only=True) as uow:
            await require_channel(uow, channel_id, viewer)
            rows = await uow.files.in_channel(channel_id, before, limit + 1)
        return pages.page_of(rows, limit, pages.time_cursor)
