"""Ports of jobs: the durable queue the one worker takes its work from."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from tertulia.domain.jobs import Job


class JobStore(Protocol):
    """The durable queue: enqueued in the transaction that calls for the work, taken by any
    node under a lease; a job whose worker dies is taken again when the lease runs out."""

    async def enqueue(self, kind: str, subject: str, run_after: float, now: datetime) -> None: ...

    async def claim(self, now: float, lease_seconds: float) -> Job | None:
        """Lease the next due job (skipping those leased to others)."""

    async def done(self, job_id: int) -> None: ...

    async def retry(self, job_id: int, run_after: float, error: str) -> None: ...

    async def pending(self, kind: str | None = None) -> int:
        """How many jobs (of this kind) wait or run."""
