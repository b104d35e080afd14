"""The one worker every node runs: the durable queue's jobs and the periodic steps.

Background work comes in two forms, both listed in one table (`bootstrap.background_work`):
- a **job** is enqueued in the transaction that calls for it (`enqueue`, or `schedule` for a
  given time: "post this at 09:00", "retry this webhook in a minute"), taken by any node under
  a lease, and done by the handler of its kind. A handler that raises is tried again later,
  with backoff (2, 4, 8… seconds, at most five minutes); after its handler's `max_attempts`
  the job is dead: its `on_dead` runs (e.g. an image is marked failed), and it stays, with
  its last error, until an operator revives it (`tertulia jobs retry`). The worker marks a
  job done once its handler returns; a handler whose effect must commit with that (`finishes`)
  calls `uow.jobs.done(job.id)` in the transaction that records it.
- a **periodic step** runs every so many seconds on every node (a sweep, a prune); it says
  whether more is waiting, to run again at once. Steps must be safe on many nodes at once.

Jobs run one at a time per process (CPU-heavy work inside them runs in its own pool); a job
whose node dies is taken again when its lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tertulia.domain.errors import Invalid
from tertulia.domain.jobs import Job
from tertulia.usecases.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger("tertulia.jobs")

MAX_ATTEMPTS = 5
LEASE_SECONDS = 120.0  # a job not done by then is taken again (its worker died)
BACKOFF_CAP = 300.0  # seconds: the longest wait between two attempts
DEAD_LISTED = 1000  # dead jobs an operator is shown at once


@dataclass(frozen=True, slots=True)
class Handler:
    """What does one kind of job."""

    kind: str
    run: Callable[[Job], Awaitable[None]]  # raising means: try again later
    max_attempts: int = MAX_ATTEMPTS
    # the job failed for the last time: what that means for its subject, in the
    # transaction that buries it (an image that will never be ready is marked failed)
    on_dead: Callable[[UnitOfWork, Job], Awaitable[None]] | None = None
    # True: `run` marks the job done itself, in the transaction of its effect
    finishes: bool = False


@dataclass(frozen=True, slots=True)
class Periodic:
    """A step every node runs every `every` seconds; it returns True when more is waiting
    (a full batch), to be run again at once."""

    name: str
    every: float
    step: Callable[[], Awaitable[bool]]


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failure."""
    return min(BACKOFF_CAP, 2.0**attempts)


async def enqueue(
    uow: UnitOfWork, kind: str, subject: str, now: datetime, delay: float = 0.0
) -> None:
    """Call for work, `delay` seconds after this transaction commits (it is lost with it)."""
    await uow.jobs.enqueue(kind, subject, now.timestamp() + delay, now)


async def schedule(uow: UnitOfWork, kind: str, subject: str, at: datetime, now: datetime) -> None:
    """Call for work at a given time (or as soon as possible, if that time is past)."""
    await uow.jobs.enqueue(kind, subject, at.timestamp(), now)


@dataclass
class Jobs:
    """The worker, and what an operator may do with the queue."""

    uow: UnitOfWorkFactory
    clock: Clock
    handlers: Sequence[Handler] = ()
    periodic: Sequence[Periodic] = ()
    poll_seconds: float = 1.0
    lease_seconds: float = LEASE_SECONDS
    # told of each job run: its kind, outcome (done, retry, failed) and seconds (metrics)
    on_job: Callable[[str, str, float], None] | None = None
    _wakeup: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    def wake(self) -> None:
        """Work was enqueued: look for it now rather than at the next poll."""
        self._wakeup.set()

    @property
    def kinds(self) -> list[str]:
        return [handler.kind for handler in self.handlers]

    async def run(self) -> None:
        """Until cancelled: run the periodic steps that are due, do every due job, then
        wait to be woken or for the next poll. A step that failed is tried again when it is
        next due; one that has more to do runs again after the jobs."""
        due = dict.fromkeys((p.name for p in self.periodic), time.monotonic())
        while True:
            for periodic in self.periodic:
                if time.monotonic() >= due[periodic.name]:
                    due[periodic.name] = time.monotonic() + periodic.every
                    if await self._step(periodic):
                        due[periodic.name] = time.monotonic()  # more may be waiting
            try:
                while await self.run_once():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the job worker failed; retrying")
            self._wakeup.clear()
            wait = min([self.poll_seconds, *(d - time.monotonic() for d in due.values())])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), max(0.0, wait))

    async def _step(self, periodic: Periodic) -> bool:
        try:
            return await periodic.step()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the periodic step %s failed; trying again when next due", periodic.name)
            return False

    async def run_once(self) -> bool:
        """Take one due job and do it; False if none was due."""
        async with self.uow() as uow:
            job = await uow.jobs.claim(self.clock().timestamp(), self.lease_seconds, self.kinds)
            await uow.commit()
        if job is None:
            return False
        handler = next(h for h in self.handlers if h.kind == job.kind)
        started, outcome = time.monotonic(), "done"
        try:
            await handler.run(job)
        except Exception as exc:
            log.exception("job %s (%s %s) failed", job.id, job.kind, job.subject)
            outcome = "failed" if job.attempts >= handler.max_attempts else "retry"
            await self._failed(handler, job, exc)
        else:
            if not handler.finishes:
                async with self.uow() as uow:
                    await uow.jobs.done(job.id)
                    await uow.commit()
        if self.on_job is not None:
            self.on_job(job.kind, outcome, time.monotonic() - started)
        return True

    async def _failed(self, handler: Handler, job: Job, exc: Exception) -> None:
        async with self.uow() as uow:
            if job.attempts >= handler.max_attempts:
                if handler.on_dead is not None:
                    await handler.on_dead(uow, job)
                await uow.jobs.bury(job.id, repr(exc))
            else:
                await uow.jobs.retry(
                    job.id, self.clock().timestamp() + backoff(job.attempts), repr(exc)
                )
            await uow.commit()

    # what an operator does ---------------------------------------------------------------------

    async def dead(self, limit: int = DEAD_LISTED) -> list[Job]:
        """The dead jobs, oldest first, with why each last failed."""
        async with self.uow(read_only=True) as uow:
            return await uow.jobs.dead(limit)

    async def retry(self, job_id: int | None) -> int:
        """Revive a dead job (or every dead one, with None): due now, attempts from zero.
        How many were revived; Invalid if that job is not dead (or does not exist)."""
        async with self.uow() as uow:
            revived = await uow.jobs.revive(job_id, self.clock().timestamp())
            if job_id is not None and not revived:
                raise Invalid.field("job_id", "job.not_dead", f"No dead job {job_id}.")
            await uow.commit()
        if revived:
            self.wake()
        return revived

    async def pending(self, kind: str | None = None) -> int:
        """How many jobs (of this kind) wait or run, the dead ones left out."""
        async with self.uow(read_only=True) as uow:
            return await uow.jobs.pending(kind)
