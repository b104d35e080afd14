"""Rate limits kept in the database, so that every process and node counts the same attempts.

Each hit is one row's count in a fixed window, raised by an atomic upsert. What makes it cheap
enough for every write: hits that arrive while a count is under way wait for the next one, and
go to the database together, as one statement for all their keys (a busy server counts a batch
of requests for the price of one); and a key found over its limit is refused here, without the
database, until its window ends (a runaway script costs the database nothing more).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select

from tertulia.adapters.sql import tables as t
from tertulia.adapters.sql.database import Database
from tertulia.adapters.sql.leases import Raw
from tertulia.usecases.ports import Hit, RateLimit

SWEEP_EVERY = 60.0  # seconds between deletions of windows that have ended
MAX_BATCH = 500  # keys counted in one statement
KEY_CHARS = 120  # longer keys (they hold what a person typed) are stored as a digest
BLOCKED_KEPT = 10_000  # refused keys remembered per process

_COUNT = (
    " ON CONFLICT (key) DO UPDATE SET"
    " count = CASE WHEN rate_limits.window_end <= :now THEN excluded.count"
    " ELSE rate_limits.count + excluded.count END,"
    " window_end = CASE WHEN rate_limits.window_end <= :now THEN excluded.window_end"
    " ELSE rate_limits.window_end END"
    " RETURNING key, count, window_end"
)
_COUNT_SQLITE = Raw.of(
    "INSERT INTO rate_limits (key, window_end, count)"
    " SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(:rows) WHERE true" + _COUNT
)
_COUNT_POSTGRES = Raw.of(
    "INSERT INTO rate_limits (key, window_end, count)"
    " SELECT k, e, c FROM unnest(:keys ::varchar[], :ends ::float8[], :counts ::int[])"
    " AS batch(k, e, c)"
    # counts need no durability (a crash forgets some, which only lets a few more through):
    # the commit does not wait for the disk
    " CROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) AS fast_commit"
    " ORDER BY k" + _COUNT
)
_SWEEP = Raw.of("DELETE FROM rate_limits WHERE window_end <= :now")


def stored_key(key: str) -> str:
    """The key as stored: short keys as they are; a long one (it may hold a typed login of
    any length) by its start and a digest, so that no key overflows the column."""
    if len(key) <= KEY_CHARS:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{key[:40]}#{digest}"


@dataclass(slots=True)
class _Waiting:
    """A request's hits, waiting for the count that includes them."""

    keys: list[str]
    hits: Sequence[Hit]
    answer: asyncio.Future[list[RateLimit]]


class SqlRateLimiter:
    """Fixed windows per key, counted in the database in batches (see the module's doc)."""

    def __init__(self, database: Database, clock: Callable[[], float] = time.time) -> None:
        self._database = database
        self._clock = clock
        self._next_sweep = 0.0
        self._waiting: list[_Waiting] = []
        self._counting: asyncio.Task[None] | None = None
        self._blocked: dict[str, float] = {}  # stored key → end of the window it is over in

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateLimit:
        return (await self.hit_many([Hit(key, limit, window_seconds)]))[0]

    async def hit_many(self, hits: Sequence[Hit]) -> list[RateLimit]:
        """Count one hit on each key (distinct keys), in one batch with whatever else waits."""
        keys = [stored_key(h.key) for h in hits]
        now = self._clock()
        refused = self._refused_here(keys, hits, now)
        if refused is not None:
            return refused
        loop = asyncio.get_running_loop()
        waiting = _Waiting(keys, hits, loop.create_future())
        self._waiting.append(waiting)
        if self._counting is None or self._counting.done():
            self._counting = loop.create_task(self._count_batches())
        return await waiting.answer

    def _refused_here(
        self, keys: list[str], hits: Sequence[Hit], now: float
    ) -> list[RateLimit] | None:
        """The answer for a request with a key known to be over its limit (its other keys
        are not counted), or None."""
        if not self._blocked:
            return None
        ends = [self._blocked.get(k, 0.0) for k in keys]
        if max(ends) <= now:
            return None
        return [
            RateLimit(
                allowed=end <= now,
                limit=h.limit,
                remaining=0,
                reset_after=max(1, math.ceil(round(end - now, 3))) if end > now else 0,
            )
            for h, end in zip(hits, ends, strict=True)
        ]

    async def _count_batches(self) -> None:
        await asyncio.sleep(0)  # let the requests of this turn of the loop join the first batch
        while self._waiting:
            batch: list[_Waiting] = []
            size = 0
            while self._waiting and (not batch or size + len(self._waiting[0].keys) <= MAX_BATCH):
                batch.append(self._waiting.pop(0))
                size += len(batch[-1].keys)
            try:
                counted = await self._count(batch)
            except BaseException as exc:  # each waiting request fails with it; the next batch tries
                stopped = isinstance(exc, asyncio.CancelledError)
                for waiting in batch:
                    if not waiting.answer.done():
                        if stopped:
                            waiting.answer.cancel()
                        else:
                            waiting.answer.set_exception(exc)
                if stopped:
                    raise
                continue
            self._answer(batch, *counted)

    async def _count(self, batch: list[_Waiting]) -> tuple[dict[str, tuple[int, float]], float]:
        """Add the batch's hits to their keys' windows: each key's count and window end after
        the batch, and the time they were counted at."""
        added: Counter[str] = Counter()
        windows: dict[str, int] = {}
        for waiting in batch:
            for key, hit in zip(waiting.keys, waiting.hits, strict=True):
                added[key] += 1
                windows.setdefault(key, hit.window_seconds)
        # rows of one upsert are locked in the order given: in key order, two batches (two
        # processes) lock the keys they share in the same order, and never deadlock
        keys = sorted(added)
        now = self._clock()
        ends = [now + windows[k] for k in keys]
        counts = [added[k] for k in keys]
        lease = await self._database.lease(write=True)  # SQLite: the one writer, inline
        try:
            if self._database.dialect == "postgresql":
                params = {"keys": keys, "ends": ends, "counts": counts, "now": now}
                rows = await lease.executor.raw(_COUNT_POSTGRES, params)
            else:
                packed = json.dumps(list(zip(keys, ends, counts, strict=True)))
                rows = await lease.executor.raw(_COUNT_SQLITE, {"rows": packed, "now": now})
            if now >= self._next_sweep:
                self._next_sweep = now + SWEEP_EVERY
                await lease.executor.raw(_SWEEP, {"now": now})
            await lease.commit()
        finally:
            await lease.release()
        return {str(k): (int(c), float(e)) for k, c, e in rows}, now

    def _answer(
        self, batch: list[_Waiting], after: dict[str, tuple[int, float]], now: float
    ) -> None:
        """Give each request its place in its keys' counts: the batch's hits on a key were
        counted in the order they came, so the last one's count is the key's count after it."""
        seen: Counter[str] = Counter()
        added = Counter(k for w in batch for k in w.keys)
        for waiting in batch:
            states = []
            for key, hit in zip(waiting.keys, waiting.hits, strict=True):
                seen[key] += 1
                total, end = after[key]
                count = total - added[key] + seen[key]
                states.append(self._state(key, hit, count, end, now))
            if not waiting.answer.done():  # a request that gave up no longer listens
                waiting.answer.set_result(states)

    def _state(self, key: str, hit: Hit, count: int, end: float, now: float) -> RateLimit:
        allowed = count <= hit.limit
        if not allowed:
            self._remember_refusal(key, end, now)
        return RateLimit(
            allowed=allowed,
            limit=hit.limit,
            remaining=max(0, hit.limit - count),
            reset_after=max(1, math.ceil(round(end - now, 3))),
        )

    def _remember_refusal(self, key: str, end: float, now: float) -> None:
        if len(self._blocked) >= BLOCKED_KEPT:
            self._blocked = {k: e for k, e in self._blocked.items() if e > now}
            if len(self._blocked) >= BLOCKED_KEPT:
                self._blocked.clear()  # forgetting only costs the database a count
        self._blocked[key] = end

    async def reset(self, key: str) -> None:
        stored = stored_key(key)
        self._blocked.pop(stored, None)
        lease = await self._database.lease(write=True)
        try:
            await lease.executor.execute(delete(t.rate_limits).where(t.rate_limits.c.key == stored))
            await lease.commit()
        finally:
            await lease.release()

    async def count(self, key: str) -> int:
        """Hits in the current window (for tests and operators)."""
        r = t.rate_limits
        async with self._database.reader.connect() as conn:
            value = await conn.scalar(
                select(r.c.count).where(r.c.key == stored_key(key), r.c.window_end > self._clock())
            )
        return int(value or 0)

    async def aclose(self) -> None:
        """Stop counting: requests still waiting fail (the server is going away)."""
        if self._counting is not None:
            self._counting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._counting
        for waiting in self._waiting:
            if not waiting.answer.done():
                waiting.answer.cancel()
        self._waiting.clear()
