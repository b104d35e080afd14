"""Ports of jobs: the durable queue the one worker takes its work from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from tertulia.domain.jobs import Job


class JobStore(Protocol):
    """The durable queue: enqueued in the transaction that calls for the work, taken by any
    node under a lease; a job whose worker dies is taken again when the lease runs out."""

    async def enqueue(self, kind: str, subject: str, run_after: float, now: datetime) -> None:
        """Add a job, due at `run_after` (seconds since the epoch: now, or later)."""

    async def claim(self, now: float, lease_seconds: float, kinds: Sequence[str]) -> Job | None:
        """Lease the next due job of one of these kinds (skipping those leased to others,
        and kinds this worker has no handler for: a newer node may)."""

    async def done(self, job_id: int) -> None: ...

    async def retry(self, job_id: int, run_after: float, error: str) -> None:
        """Give the job back, due again at `run_after`, with why it failed."""

    async def bury(self, job_id: int, error: str) -> None:
        """The job failed for the last time: it is dead (due at NEVER) until revived."""

    async def dead(self, limit: int) -> list[Job]:
        """Dead jobs, oldest first, with their last error."""

    async def revive(self, job_id: int | None, run_after: float) -> int:
        """Make a dead job (or, with None, every dead job) due at `run_after`, its attempts
        counted from zero; how many were revived."""

    async def pending(self, kind: str | None = None) -> int:
        """How many jobs (of this kind) wait or run, the dead ones left out."""
