"""The store of jobs: the durable queue of background work, leased to one worker at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select, text, update

from tertulia.adapters.sql import tables as t
from tertulia.adapters.sql.leases import Executor, utc
from tertulia.domain.jobs import NEVER, Job

_CLAIM = """UPDATE jobs SET attempts = attempts + 1, leased_until = :until
WHERE id = (
    SELECT id FROM jobs
    WHERE run_after <= :now AND (leased_until IS NULL OR leased_until < :now)
    AND kind IN :kinds
    ORDER BY run_after, id LIMIT 1{skip}
) RETURNING id, kind, subject, attempts"""


class SqlJobStore:
    def __init__(self, conn: Executor) -> None:
        self._conn = conn

    async def enqueue(self, kind: str, subject: str, run_after: float, now: datetime) -> None:
        await self._conn.execute(
            insert(t.jobs).values(kind=kind, subject=subject, run_after=run_after, created_at=now)
        )

    async def claim(self, now: float, lease_seconds: float, kinds: Sequence[str]) -> Job | None:
        skip = " FOR UPDATE SKIP LOCKED" if self._conn.dialect.name == "postgresql" else ""
        claim = text(_CLAIM.format(skip=skip)).bindparams(bindparam("kinds", expanding=True))
        row = (
            await self._conn.execute(
                claim, {"now": now, "until": now + lease_seconds, "kinds": list(kinds)}
            )
        ).first()
        return Job(int(row.id), row.kind, row.subject, int(row.attempts)) if row else None

    async def done(self, job_id: int) -> None:
        await self._conn.execute(delete(t.jobs).where(t.jobs.c.id == job_id))

    async def retry(self, job_id: int, run_after: float, error: str) -> None:
        await self._conn.execute(
            update(t.jobs)
            .where(t.jobs.c.id == job_id)
            .values(run_after=run_after, leased_until=None, last_error=error[:500])
        )

    async def bury(self, job_id: int, error: str) -> None:
        await self.retry(job_id, NEVER, error)

    async def dead(self, limit: int) -> list[Job]:
        rows = await self._conn.execute(
            select(t.jobs)
            .where(t.jobs.c.run_after >= NEVER)
            .order_by(t.jobs.c.created_at, t.jobs.c.id)
            .limit(limit)
        )
        return [
            Job(
                int(row.id),
                row.kind,
                row.subject,
                int(row.attempts),
                row.last_error or "",
                utc(row.created_at),
            )
            for row in rows
        ]

    async def revive(self, job_id: int | None, run_after: float) -> int:
        query = update(t.jobs).where(t.jobs.c.run_after >= NEVER)
        if job_id is not None:
            query = query.where(t.jobs.c.id == job_id)
        result = await self._conn.execute(
            query.values(run_after=run_after, attempts=0, leased_until=None)
        )
        return int(result.rowcount or 0)

    async def pending(self, kind: str | None = None) -> int:
        query = select(func.count()).select_from(t.jobs).where(t.jobs.c.run_after < NEVER)
        if kind is not None:
            query = query.where(t.jobs.c.kind == kind)
        return int(await self._conn.scalar(query) or 0)
