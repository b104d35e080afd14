"""The pool of worker processes that does image work, so that the event loop only waits: a
worker that crashes or overruns its time costs only its job, and a job that fails still
hands back its cleaned original when it made one."""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import signal
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFile

from tertulia.adapters.images.formats import FORMATS
from tertulia.adapters.images.render import (
    SVG,
    Limits,
    original_path,
    process_image,
    register_heif,
)
from tertulia.usecases.ports.files import ImageRejected, ProcessedImage

JOBS_PER_WORKER = 100  # a pool is replaced after this many jobs per worker: leaks stay bounded
STARTED = ".started"  # in a job's workdir: when its worker began it (seconds since the epoch)


@dataclass(frozen=True, slots=True)
class _Rejection:
    """An ImageRejected on its way back from a worker (which pickles by its args only)."""

    code: str
    detail: str


@dataclass(eq=False)
class _Pool:
    executor: ProcessPoolExecutor
    jobs: int = 0  # submitted, to know when to replace it
    running: int = 0  # in flight now
    crowd: int | None = None  # jobs in flight when it broke: alone, a job is the culprit


class PillowImages:
    """The ImageProcessor on Pillow, in `workers` processes started ("spawn": the server has
    threads) on first use.

    A worker that dies (a decoder crashing on a hostile file) breaks the pool: it is replaced,
    and the job that was alone in it is rejected as image.corrupt; jobs that shared the broken
    pool get one more try in the new one. Pools are replaced every JOBS_PER_WORKER jobs per
    worker, instead of `max_tasks_per_child`, which deadlocks with queued jobs on Python up
    to 3.13 (cpython gh-115634).

    A job has `seconds` from when its worker begins it (a pool's start and a wait in its
    queue aside): then the kernel kills the worker (SIGALRM, whose default action needs no
    help from a worker stuck in a decoder's C loop), the pool is replaced as for a crash, and
    the job is rejected as image.too_slow.
    """

    def __init__(
        self,
        workers: int = 2,
        max_pixels: int = 50_000_000,
        max_frames: int = 300,
        max_animated_pixels: int = 500_000_000,
        seconds: float = 60.0,
    ) -> None:
        self._workers = workers
        self._limits = Limits(max_pixels, max_frames, max_animated_pixels)
        self._seconds = seconds
        self._pool: _Pool | None = None

    def _current(self) -> _Pool:
        pool = self._pool
        if pool is not None and pool.jobs >= JOBS_PER_WORKER * self._workers:
            pool.executor.shutdown(wait=False)  # its jobs in flight finish, then it exits
            pool = None
        if pool is None:
            pool = _Pool(
                ProcessPoolExecutor(
                    max_workers=self._workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=start_worker,
                    initargs=(self._limits.max_pixels,),
                )
            )
            self._pool = pool
        return pool

    async def process(self, source: Path, content_type: str, workdir: Path) -> ProcessedImage:
        if content_type not in FORMATS and content_type != SVG:
            raise ImageRejected("image.unsupported", f"{content_type} is not an image we render")
        job = functools.partial(
            work, str(source), content_type, str(workdir), self._limits, self._seconds
        )
        for attempt in (1, 2):
            pool = self._current()
            pool.jobs += 1
            pool.running += 1
            try:
                future = asyncio.get_running_loop().run_in_executor(pool.executor, job)
                result = await future
            except BrokenProcessPool:
                if pool.crowd is None:
                    pool.crowd = pool.running
                if self._pool is pool:
                    self._pool = None
                    pool.executor.shutdown(wait=False, cancel_futures=True)
                cleaned = _cleaned(workdir, content_type)
                if await asyncio.to_thread(_overran, workdir, self._seconds):  # killed for it
                    raise ImageRejected(
                        "image.too_slow",
                        f"the image took more than {self._seconds:g} s",
                        cleaned,
                    ) from None
                if pool.crowd == 1 or attempt == 2:
                    raise ImageRejected(
                        "image.corrupt", "the image worker died on this image", cleaned
                    ) from None
                continue
            finally:
                pool.running -= 1
            if isinstance(result, _Rejection):
                raise ImageRejected(result.code, result.detail, _cleaned(workdir, content_type))
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.executor.shutdown, wait=True, cancel_futures=True)

    def worker_pids(self) -> list[int]:
        """The process ids of the current pool's workers (for benches and tests)."""
        if self._pool is None:
            return []
        processes = self._pool.executor._processes  # no public accessor
        return sorted(processes or {})


def start_worker(max_pixels: int) -> None:
    """Pillow's safety, once per worker: a frame larger than the policy is a bomb, and a
    truncated file is an error, never half an image. Pillow's formats (HEIF's too) are
    loaded now, so that a job's time is spent on its image; SIGALRM kills (its default
    action)."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    Image.init()
    register_heif()
    signal.signal(signal.SIGALRM, signal.SIG_DFL)


def work(
    source: str, content_type: str, workdir: str, limits: Limits, seconds: float
) -> ProcessedImage | _Rejection:
    """process_image for the pool: a rejection comes back as a value. The worker notes when
    it began and is killed if a step is not done `seconds` later: removing the metadata,
    then decoding and the thumbnails, have `seconds` each (so that an image too slow to
    decode still has its cleaned original to serve)."""
    started = Path(workdir) / STARTED

    def begin() -> None:
        started.write_text(repr(time.time()))
        signal.setitimer(signal.ITIMER_REAL, seconds)

    begin()
    try:
        return process_image(source, content_type, workdir, limits, cleaned=begin)
    except ImageRejected as rejected:
        return _Rejection(rejected.code, rejected.detail)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        started.unlink(missing_ok=True)


def _overran(workdir: Path, seconds: float) -> bool:
    """Whether the job in `workdir`, whose worker died, had run out of time: it began (a
    pending job did not) at least `seconds` ago. Its note is removed, for a next attempt."""
    started = workdir / STARTED
    try:
        began = float(started.read_text())
    except (OSError, ValueError):
        return False
    finally:
        started.unlink(missing_ok=True)
    return time.time() - began >= seconds


def _cleaned(workdir: Path, content_type: str) -> Path | None:
    """The original without metadata, if the job got as far as writing it (whole: it is
    written beside and renamed), to serve as an attachment when the image cannot be shown."""
    path = original_path(workdir, content_type)
    return path if path is not None and path.is_file() else None
