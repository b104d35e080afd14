"""What /metrics reads of the database: its connection pools' use and the job queue's
backlog (the event log's head is `SqlEventLog.last_id`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.pool import QueuePool

from tertulia.adapters.sql.database import Database
from tertulia.adapters.sql.leases import Raw, utc
from tertulia.domain.jobs import NEVER

# the dead jobs (see domain/jobs.py) wait for an operator, not for a worker: not a backlog
_BACKLOG = Raw.of(
    "SELECT kind, count(*), min(created_at) FROM jobs WHERE run_after < :never GROUP BY kind"
)


def pool_use(database: Database) -> list[tuple[str, int, int]]:
    """(pool, connections lent out, its size) for each pool of this process: SQLite's inline
    writer and readers, or PostgreSQL's one pool (which may open as many again in a burst)."""
    if database.inline_writer is not None and database.inline_readers is not None:
        return [
            ("writer", *database.inline_writer.usage()),
            ("readers", *database.inline_readers.usage()),
        ]
    pool = database.writer.sync_engine.pool
    if isinstance(pool, QueuePool):
        return [("main", pool.checkedout(), pool.size())]
    return []


async def job_backlog(database: Database, now: datetime) -> list[tuple[str, int, float]]:
    """(kind, jobs waiting or running, seconds the oldest has been queued) per kind."""
    lease = await database.lease(write=False)
    try:
        rows = await lease.executor.raw(_BACKLOG, {"never": NEVER})
    finally:
        await lease.release()
    found = []
    for kind, depth, oldest in rows:
        since = utc(oldest)
        found.append((str(kind), int(depth), (now - since).total_seconds() if since else 0.0))
    return found
