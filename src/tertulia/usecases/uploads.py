"""Resumable uploads (the tus protocol): a file sent in parts, over as many requests (and
nodes) as it takes, that becomes a file through `Files.upload` once every byte has come.

Each part is one blob in the blob store and one row in the database, recorded in the
transaction that advances the upload's offset: a part either counted or it did not. A part cut
off before its last byte is not kept at all (the client resends it from the last offset).
Nothing lives on one node's disk, so a client may resume on any node."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta

from tertulia.domain.errors import Conflict, DomainError, Invalid, NotFound, TooLarge
from tertulia.domain.filenames import safe_filename
from tertulia.domain.ids import UploadId, UserId, WorkspaceId, new_id
from tertulia.domain.uploads import Upload, UploadPart
from tertulia.usecases.files import Files, collect_later, still_stored
from tertulia.usecases.ports import Clock, UnitOfWorkFactory
from tertulia.usecases.ports.files import BlobStore, BlobTooLarge

UPLOAD_TTL = timedelta(hours=24)  # an upload no part came to for this long is gone
# Parts an upload may have (S3's limit on a multipart upload): each costs a row and a blob,
# so a client sending a byte per request cannot make a million of them. The last one allowed
# must end the upload.
MAX_PARTS = 10_000


def _not_found() -> NotFound:
    return NotFound("No such upload.", "upload.not_found")


def _past_length(upload: Upload) -> TooLarge:
    return TooLarge(
        f"This upload has {upload.length - upload.offset} bytes left to send.", "upload.length"
    )


def _last_part(upload: Upload) -> Conflict:
    return Conflict(
        f"This upload has had {MAX_PARTS - 1:,} parts, the most but one: send its remaining "
        f"{upload.length - upload.offset} bytes in one request.",
        "upload.too_many_parts",
    )


@dataclass(frozen=True, slots=True)
class Uploads:
    """Resumable uploads: create, append a part, read the offset, terminate."""

    uow: UnitOfWorkFactory
    clock: Clock
    blobs: BlobStore
    files: Files

    @property
    def max_bytes(self) -> int:
        """The largest upload accepted (the file size limit)."""
        return self.files.limits.max_bytes

    def _check(self, upload: Upload | None, user: UserId) -> Upload:
        if upload is None or upload.uploader_id != user:
            raise _not_found()
        if upload.expires_at <= self.clock():
            raise NotFound("This upload has expired; start it again.", "upload.expired")
        return upload

    async def create(
        self, user: UserId, workspace_id: WorkspaceId, name: str, length: int
    ) -> Upload:
        """Start an upload of `length` bytes into the workspace, if a file that big may be
        kept there now (membership, size limit, quotas: TooLarge file.too_large, Conflict
        file.quota_user or file.quota_workspace). Its length counts against the quotas
        from now until it ends or expires (and is checked again at the end)."""
        if length <= 0:
            raise Invalid.field("Upload-Length", "upload.length", "The file is empty.")
        now = self.clock()
        upload = Upload(
            id=UploadId(new_id()),
            workspace_id=workspace_id,
            uploader_id=user,
            name=safe_filename(name),
            length=length,
            offset=0,
            created_at=now,
            expires_at=now + UPLOAD_TTL,
        )
        async with self.uow() as uow:
            await self.files.take_room(uow, user, workspace_id, length)
            await uow.uploads.add(upload)
            await uow.commit()
        return upload

    async def get(self, user: UserId, upload_id: UploadId) -> Upload:
        """One's own upload (anyone else's reads as missing)."""
        async with self.uow(read_only=True) as uow:
            return self._check(await uow.uploads.find(upload_id), user)

    async def append(
        self,
        user: UserId,
        upload_id: UploadId,
        offset: int,
        chunks: AsyncIterable[bytes],
        declared: int | None = None,
    ) -> Upload:
        """Add the bytes of one request at `offset`, which must be where the upload stands.
        Reaching the end makes the file (typed, checked and counted as any upload is); a
        file the policy refuses ends the upload with that refusal."""
        async with self.uow(read_only=True) as uow:
            upload = self._check(await uow.uploads.find(upload_id), user)
            parts = await uow.uploads.part_count(upload_id)
        if upload.file_id is not None:
            raise Conflict("This upload is complete.", "upload.complete")
        if offset != upload.offset:
            raise Conflict(
                f"The upload stands at offset {upload.offset}, not {offset}.",
                "upload.offset_mismatch",
            )
        remaining = upload.length - upload.offset
        if declared is not None and declared > remaining:
            raise _past_length(upload)
        if parts >= MAX_PARTS - 1 and declared is not None and 0 < declared < remaining:
            raise _last_part(upload)  # known before a byte is read
        if declared != 0:
            try:
                blob = await self.blobs.put(chunks, remaining)
            except BlobTooLarge:
                raise _past_length(upload) from None
            if blob.size > 0:
                upload = await self._record(user, upload, UploadPart(offset, blob.key, blob.size))
        if upload.offset == upload.length:
            upload = await self._complete(upload)
        return upload

    async def _record(self, user: UserId, seen: Upload, part: UploadPart) -> Upload:
        """Record a stored part and advance the offset in one transaction, unless another
        request moved the upload meanwhile, or it expired, was swept or terminated while the
        part came (the part's blob is then freed later)."""
        now = self.clock()
        async with self.uow() as uow:
            try:
                upload = self._check(await uow.uploads.find(seen.id, lock=True), user)
            except NotFound:
                await collect_later(uow, [part.blob_key], now)
                await uow.commit()
                raise
            if upload.offset != seen.offset or upload.file_id is not None:
                await collect_later(uow, [part.blob_key], now)
                await uow.commit()
                raise Conflict(
                    f"The upload stands at offset {upload.offset}, not {part.start}.",
                    "upload.offset_mismatch",
                )
            if (
                upload.offset + part.size < upload.length
                and await uow.uploads.part_count(upload.id) >= MAX_PARTS - 1
            ):
                await collect_later(uow, [part.blob_key], now)
                await uow.commit()
                raise _last_part(upload)
            if not await still_stored(uow, self.blobs, part.blob_key):
                # the same bytes were stored before and freed while this part came
                raise Conflict("The part was interrupted; send it again.", "upload.retry")
            await uow.uploads.add_part(upload.id, part)
            upload = replace(upload, offset=upload.offset + part.size, expires_at=now + UPLOAD_TTL)
            await uow.uploads.save(upload)
            await uow.commit()
        return upload

    async def _parts(self, parts: list[UploadPart]) -> AsyncIterator[bytes]:
        for part in parts:
            async for chunk in self.blobs.read(part.blob_key):
                yield chunk

    async def _complete(self, upload: Upload) -> Upload:
        """Make the file from the parts, in order. The upload ends in the transaction that
        keeps the file: its room becomes the file's, and its parts are freed later (unless
        the file holds the same bytes)."""
        async with self.uow(read_only=True) as uow:
            parts = await uow.uploads.parts(upload.id)
        try:
            file = await self.files.upload(
                upload.uploader_id,
                upload.workspace_id,
                upload.name,
                self._parts(parts),
                upload.length,
                completes=upload.id,
            )
        except DomainError as refused:
            # refused for good (but for a retry), the upload is over; unless another
            # request finished it first, whose file then stands
            finished = await self._end(upload, forget=refused.code != "file.retry")
            if finished is not None:
                return finished
            raise
        return replace(upload, file_id=file.id)

    async def _end(self, upload: Upload, forget: bool) -> Upload | None:
        """The upload if another request finished it; else None, and with `forget` it is
        deleted and its parts freed later."""
        async with self.uow() as uow:
            current = await uow.uploads.find(upload.id, lock=True)
            if current is not None and current.file_id is not None:
                return current
            if forget and current is not None:
                await collect_later(uow, await uow.uploads.delete(upload.id), self.clock())
                await uow.commit()
        return None

    async def terminate(self, user: UserId, upload_id: UploadId) -> None:
        """Cancel an upload: its parts are freed (a file it already made stays)."""
        async with self.uow() as uow:
            upload = self._check(await uow.uploads.find(upload_id, lock=True), user)
            await collect_later(uow, await uow.uploads.delete(upload.id), self.clock())
            await uow.commit()
