"""Rate limits kept in the database, so that every process and node counts the same attempts."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import case, delete, select

from tertulia.adapters.sql import tables as t
from tertulia.adapters.sql.database import Database
from tertulia.adapters.sql.repositories import dialect_insert
from tertulia.usecases.ports import RateLimit

SWEEP_EVERY = 60.0  # seconds between deletions of windows that have ended


class SqlRateLimiter:
    """Fixed windows per key, counted with one atomic upsert per hit. Used for what is rare
    and worth protecting (logins, registrations, refreshes), not for every request."""

    def __init__(self, database: Database, clock: Callable[[], float] = time.time) -> None:
        self._database = database
        self._clock = clock
        self._next_sweep = 0.0

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateLimit:
        now = self._clock()
        ends = now + window_seconds
        r = t.rate_limits
        expired = r.c.window_end <= now
        upsert = (
            dialect_insert(self._database.dialect, r)
            .values(key=key, window_end=ends, count=1)
            .on_conflict_do_update(
                index_elements=[r.c.key],
                set_={
                    "count": case((expired, 1), else_=r.c.count + 1),
                    "window_end": case((expired, ends), else_=r.c.window_end),
                },
            )
            .returning(r.c.count, r.c.window_end)
        )
        lease = await self._database.lease(write=True)  # SQLite: the one writer, inline
        try:
            found: tuple[Any, ...] = tuple((await lease.executor.execute(upsert)).one())
            count, window_end = int(found[0]), float(found[1])
            if now >= self._next_sweep:
                self._next_sweep = now + SWEEP_EVERY
                await lease.executor.execute(delete(r).where(r.c.window_end <= now))
            await lease.commit()
        finally:
            await lease.release()
        return RateLimit(
            allowed=count <= limit,
            limit=limit,
            remaining=max(0, limit - count),
            reset_after=max(1, math.ceil(round(window_end - now, 3))),
        )

    async def reset(self, key: str) -> None:
        lease = await self._database.lease(write=True)
        try:
            await lease.executor.execute(delete(t.rate_limits).where(t.rate_limits.c.key == key))
            await lease.commit()
        finally:
            await lease.release()

    async def count(self, key: str) -> int:
        """Hits in the current window (for tests and operators)."""
        r = t.rate_limits
        async with self._database.reader.connect() as conn:
            value = await conn.scalar(
                select(r.c.count).where(r.c.key == key, r.c.window_end > self._clock())
            )
        return int(value or 0)
