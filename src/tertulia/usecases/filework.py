"""The work on files off the request: images made ready (or failed) by the image processor,
stored bytes freed once nothing holds them (the handlers of IMAGE_JOB and COLLECT_JOB), and
expired resumable uploads swept (a periodic step). The worker that runs them, with retries
and backoff, is `usecases/jobs.py`; `bootstrap.background_work` lists them."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tertulia.domain.attachments import FileStatus, Thumbnail
from tertulia.domain.events.files import FileFailed, FileReady
from tertulia.domain.ids import FileId
from tertulia.domain.jobs import Job
from tertulia.usecases.files import (
    collect_later,
    still_stored,
)
from tertulia.usecases.ports import Clock, UnitOfWork, UnitOfWorkFactory
from tertulia.usecases.ports.files import (
    Blob,
    BlobStore,
    ImageProcessor,
    ImageRejected,
    ProcessedImage,
    Rendition,
)

log = logging.getLogger("tertulia.files")

SWEEP_SECONDS = 300.0  # how often a worker looks for expired resumable uploads
SWEEP_BATCH = 100  # expired uploads deleted per transaction


async def _chunks_of(path: Path, size: int = 1024 * 1024) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := await asyncio.to_thread(handle.read, size):
            yield chunk


@dataclass
class FileWork:
    """The handlers of file jobs and the sweep of expired uploads (image work itself runs in
    the processor's pool)."""

    uow: UnitOfWorkFactory
    clock: Clock
    blobs: BlobStore
    images: ImageProcessor
    scratch: Path | None = None  # where images are unpacked; the system's temp dir if None

    async def sweep(self) -> int:
        """Delete one batch of resumable uploads that expired (no part came for UPLOAD_TTL)
        with their parts, in one transaction; the parts' bytes are freed later by collect
        jobs, unless something else holds them. How many uploads went. Any number of nodes
        may sweep at once: each takes rows the others do not hold."""
        now = self.clock()
        async with self.uow() as uow:
            swept, keys = await uow.uploads.delete_expired(now, SWEEP_BATCH)
            await collect_later(uow, keys, now)
            await uow.commit()
        if swept:
            log.info("swept %d expired uploads; %d blobs to free", swept, len(keys))
        return swept

    async def sweep_more(self) -> bool:
        """One sweep, as a periodic step: True when it found a full batch (more may wait)."""
        return await self.sweep() == SWEEP_BATCH

    async def image_failed(self, uow: UnitOfWork, job: Job) -> None:
        """An image job failed for the last time: the image will never be ready."""
        await self._fail(uow, FileId(job.subject), "image.error")

    async def collect(self, job: Job) -> None:
        """Free a blob's bytes, unless something holds them by now."""
        async with self.uow() as uow:
            await uow.files.lock_blob(job.subject)
            if not await uow.files.referenced(job.subject):
                await self.blobs.delete(job.subject)
            await uow.jobs.done(job.id)
            await uow.commit()

    async def _fail(
        self, uow: UnitOfWork, file_id: FileId, problem: str, cleaned: Blob | None = None
    ) -> None:
        """The image failed: it is served, as an attachment, only as `cleaned` (its bytes
        without metadata), or not at all; the bytes as uploaded are freed, never served."""
        now = self.clock()
        file = await uow.files.find(file_id, lock=True)
        if file is None or file.is_deleted or file.status is not FileStatus.PROCESSING:
            if cleaned is not None:
                await collect_later(uow, [cleaned.key], now)  # maybe nobody's
            return
        if cleaned is not None and not await still_stored(uow, self.blobs, cleaned.key):
            raise RuntimeError(f"cleaned original {cleaned.key} was freed meanwhile")  # retried
        failed = replace(
            file,
            status=FileStatus.FAILED,
            problem=problem,
            blob_key=cleaned.key if cleaned else None,
            size=cleaned.size if cleaned else file.size,
            source_key=None,
            inline=False,
        )
        await uow.files.save(failed)
        if file.source_key and (cleaned is None or cleaned.key != file.source_key):
            await collect_later(uow, [file.source_key], now)
        uow.emit(FileFailed.of(failed))

    async def image(self, job: Job) -> None:
        """Make an uploaded image ready: optimised, its thumbnails and placeholder made."""
        async with self.uow(read_only=True) as uow:
            file = await uow.files.find(FileId(job.subject))
        if file is None or file.status is not FileStatus.PROCESSING or file.source_key is None:
            async with self.uow() as uow:
                await uow.jobs.done(job.id)
                await uow.commit()
            return
        with tempfile.TemporaryDirectory(prefix="tertulia-", dir=self.scratch) as scratch:
            source = Path(scratch) / "source"
            with source.open("wb") as handle:
                async for chunk in self.blobs.read(file.source_key):
                    await asyncio.to_thread(handle.write, chunk)
            work = Path(scratch) / "out"
            work.mkdir()
            try:
                result = await self.images.process(source, file.content_type, work)
            except ImageRejected as rejected:
                log.info("image %s kept as a plain file: %s", file.id, rejected.detail)
                cleaned = None
                if rejected.original is not None:
                    path = rejected.original
                    cleaned = await self.blobs.put(_chunks_of(path), path.stat().st_size)
                async with self.uow() as uow:
                    await self._fail(uow, file.id, rejected.code, cleaned)
                    await uow.jobs.done(job.id)
                    await uow.commit()
                return
            original = await self._store(result.original)
            thumbnails = [
                Thumbnail(
                    r.size,
                    (await self._store(r)).key,
                    r.width,
                    r.height,
                    r.path.stat().st_size,
                    r.content_type,
                )
                for r in result.thumbnails
            ]
        await self._ready(job, file.id, result, original.key, original.size, thumbnails)

    async def _store(self, rendition: Rendition) -> Blob:
        return await self.blobs.put(_chunks_of(rendition.path), rendition.path.stat().st_size)

    async def _ready(
        self,
        job: Job,
        file_id: FileId,
        result: ProcessedImage,
        key: str,
        size: int,
        thumbnails: Sequence[Thumbnail],
    ) -> None:
        now = self.clock()
        async with self.uow() as uow:
            new_keys = sorted({key, *(t.blob_key for t in thumbnails)})
            for each in new_keys:
                if not await still_stored(uow, self.blobs, each):
                    raise RuntimeError(f"rendition {each} was freed meanwhile")  # retried
            file = await uow.files.find(file_id, lock=True)
            if file is None or file.is_deleted or file.status is not FileStatus.PROCESSING:
                await collect_later(uow, new_keys, now)  # deleted meanwhile: maybe nobody's
            else:
                ready = replace(
                    file,
                    status=FileStatus.READY,
                    blob_key=key,
                    size=size,
                    source_key=None,
                    width=result.width,
                    height=result.height,
                    animated=result.animated,
                    placeholder=result.placeholder,
                    thumbnails=tuple(thumbnails),
                )
                await uow.files.save(ready)
                if file.source_key and file.source_key not in new_keys:
                    await collect_later(uow, [file.source_key], now)
                uow.emit(FileReady.of(ready))
            await uow.jobs.done(job.id)
            await uow.commit()
