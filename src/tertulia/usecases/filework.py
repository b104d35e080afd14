"""The work on files off the request, which every node runs: images made ready (or failed)
by the image processor, stored bytes freed once nothing holds them, expired resumable
uploads swept; jobs taken from the durable queue, retried with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tertulia.domain.attachments import FileStatus, Thumbnail
from tertulia.domain.events.files import FileFailed, FileReady
from tertulia.domain.ids import FileId
from tertulia.domain.jobs import Job
from tertulia.usecases.files import (
    COLLECT_JOB,
    IMAGE_JOB,
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

MAX_ATTEMPTS = 5
LEASE_SECONDS = 120.0  # a job not done by then is taken again (its worker died)
SWEEP_SECONDS = 300.0  # how often a worker looks for expired resumable uploads
SWEEP_BATCH = 100  # expired uploads deleted per transaction


async def _chunks_of(path: Path, size: int = 1024 * 1024) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := await asyncio.to_thread(handle.read, size):
            yield chunk


@dataclass
class FileWork:
    """The worker every node runs: takes due jobs from the durable queue and does them,
    one at a time per process (image work itself runs in the processor's pool)."""

    uow: UnitOfWorkFactory
    clock: Clock
    blobs: BlobStore
    images: ImageProcessor
    poll_seconds: float = 1.0
    scratch: Path | None = None  # where images are unpacked; the system's temp dir if None
    sweep_seconds: float = SWEEP_SECONDS
    # told of each job run: its kind, outcome (done, retry, failed) and seconds (metrics)
    on_job: Callable[[str, str, float], None] | None = None

    def __post_init__(self) -> None:
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        """Until cancelled: sweep expired uploads when it is time, do every due job, then
        wait to be woken or for the next poll. A sweep that found a full batch goes on
        after the jobs; one that failed is tried again at the next sweep."""
        next_sweep = time.monotonic()
        while True:
            try:
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.sweep_seconds
                    if await self.sweep() == SWEEP_BATCH:
                        next_sweep = time.monotonic()  # more may be waiting
                while await self.run_once():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the file worker failed; retrying")
            self._wakeup.clear()
            wait = min(self.poll_seconds, max(0.0, next_sweep - time.monotonic()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), wait)

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

    async def run_once(self) -> bool:
        """Take one due job and do it; False if none was due."""
        async with self.uow() as uow:
            job = await uow.jobs.claim(time.time(), LEASE_SECONDS)
            await uow.commit()
        if job is None:
            return False
        started, outcome = time.monotonic(), "done"
        try:
            if job.kind == IMAGE_JOB:
                await self._image(job)
            elif job.kind == COLLECT_JOB:
                await self._collect(job)
            else:
                raise ValueError(f"unknown job kind {job.kind!r}")
        except Exception as exc:
            log.exception("job %s (%s %s) failed", job.id, job.kind, job.subject)
            outcome = "failed" if job.attempts >= MAX_ATTEMPTS else "retry"
            await self._retry(job, exc)
        if self.on_job is not None:
            self.on_job(job.kind, outcome, time.monotonic() - started)
        return True

    async def _retry(self, job: Job, exc: Exception) -> None:
        async with self.uow() as uow:
            if job.attempts >= MAX_ATTEMPTS:
                if job.kind == IMAGE_JOB:
                    await self._fail(uow, FileId(job.subject), "image.error")
                await uow.jobs.done(job.id)
            else:
                backoff = min(300.0, 2.0**job.attempts)
                await uow.jobs.retry(job.id, time.time() + backoff, repr(exc))
            await uow.commit()

    async def _collect(self, job: Job) -> None:
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

    async def _image(self, job: Job) -> None:
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
