"""Rate limits kept in the database, so that every process and node counts the same attempts.

Each key is a row counting, in a fixed window, the hits handed out to every process; what makes
it cheap enough for every write:
- a process takes hits in advance (a tenth of the limit, at most 100) and spends them on its own
  requests without asking again, so a key of 60 a minute costs the database one statement per
  six hits, one of 600 one per sixty; a small limit (under 20) is counted hit by hit. Whatever a
  process takes counts against the limit, so together the processes never let more through;
  a person whose requests go to several processes may be refused up to what the others still
  hold (a few hits) early, which no person meets and a runaway script always does. A process
  takes more when half of what it took is spent, so busy keys never wait for the database;
- requests that need the database while a count is under way wait for the next one, and go
  together, as one statement for all their keys;
- a key whose window is used up is refused by each process on its own until the window ends.
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
from tertulia.usecases.ports.limits import Hit, RateLimit

SWEEP_EVERY = 60.0  # seconds between deletions of windows that have ended
MAX_BATCH = 500  # keys counted in one statement
KEY_CHARS = 120  # longer keys (they hold what a person typed) are stored as a digest
SHARES_KEPT = 10_000  # keys a process holds hits of, or knows to be used up
MOST_IN_ADVANCE = 100  # hits a process takes at once, at most

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


def in_advance(limit: int) -> int:
    """How many hits a process takes at once for a key of this limit."""
    return max(1, min(limit // 10, MOST_IN_ADVANCE))


def _seconds_until(end: float, now: float) -> int:
    return max(1, math.ceil(round(end - now, 3)))


@dataclass(slots=True)
class _Share:
    """What this process holds of a key's window: hits taken and not yet spent, and what the
    window had left for anyone when it took them."""

    hits: int
    left: int
    end: float


@dataclass(slots=True)
class _Waiting:
    """A request's hits that the process holds none of, waiting for the count that takes
    them; or (with no answer) a key to take more of before what is held runs out."""

    keys: list[str]
    hits: Sequence[Hit]
    answer: asyncio.Future[list[RateLimit]] | None


class SqlRateLimiter:
    """Fixed windows per key, counted in the database in advance and in batches (see the
    module's doc)."""

    def __init__(self, database: Database, clock: Callable[[], float] = time.time) -> None:
        self._database = database
        self._clock = clock
        self._next_sweep = 0.0
        self._waiting: list[_Waiting] = []
        self._counting: asyncio.Task[None] | None = None
        self._shares: dict[str, _Share] = {}  # stored key → what this process holds of it
        self._topping: set[str] = set()  # keys more of which is being taken

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateLimit:
        return (await self.hit_many([Hit(key, limit, window_seconds)]))[0]

    async def hit_many(self, hits: Sequence[Hit]) -> list[RateLimit]:
        """Count one hit on each key (distinct keys): from what this process holds where it
        can, else with the database, in one batch with whatever else waits."""
        keys = [stored_key(h.key) for h in hits]
        now = self._clock()
        states = [self._spend(k, h, now) for k, h in zip(keys, hits, strict=True)]
        needed = [i for i, state in enumerate(states) if state is None]
        if needed:
            loop = asyncio.get_running_loop()
            answer: asyncio.Future[list[RateLimit]] = loop.create_future()
            self._queue(_Waiting([keys[i] for i in needed], [hits[i] for i in needed], answer))
            for i, state in zip(needed, await answer, strict=True):
                states[i] = state
        return [state for state in states if state is not None]

    def _queue(self, waiting: _Waiting) -> None:
        self._waiting.append(waiting)
        if self._counting is None or self._counting.done():
            self._counting = asyncio.get_running_loop().create_task(self._count_batches())

    def _spend(self, key: str, hit: Hit, now: float) -> RateLimit | None:
        """A hit spent from what this process holds of the key; a refusal if its window is
        used up; None if the database must be asked."""
        share = self._shares.get(key)
        if share is None or share.end <= now:
            return None
        if share.hits > 0:
            share.hits -= 1
            ahead = in_advance(hit.limit)
            if ahead > 1 and share.hits == ahead // 2 and share.left and key not in self._topping:
                self._topping.add(key)
                self._queue(_Waiting([key], [hit], None))
            return RateLimit(
                True, hit.limit, share.hits + share.left, _seconds_until(share.end, now)
            )
        if share.left == 0:
            return RateLimit(False, hit.limit, 0, _seconds_until(share.end, now))
        return None

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
                self._topping.difference_update(
                    k for w in batch if w.answer is None for k in w.keys
                )
                for waiting in batch:
                    if waiting.answer is not None and not waiting.answer.done():
                        if stopped:
                            waiting.answer.cancel()
                        else:
                            waiting.answer.set_exception(exc)
                if stopped:
                    raise
                continue
            self._answer(batch, *counted)

    async def _count(
        self, batch: list[_Waiting]
    ) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, float]], float]:
        """Take hits on the batch's keys: as many as requests wait for, and at least what a
        process takes in advance. Returns what was asked of each key (and its limit), each
        key's count and window end after it, and the time it was counted at."""
        asked: Counter[str] = Counter()
        first: dict[str, Hit] = {}
        for waiting in batch:
            for key, hit in zip(waiting.keys, waiting.hits, strict=True):
                # a request takes one; taking more ahead, what is taken in advance
                asked[key] += 1 if waiting.answer is not None else in_advance(hit.limit)
                first.setdefault(key, hit)
        for key, hit in first.items():
            asked[key] = max(asked[key], in_advance(hit.limit))
        # rows of one upsert are locked in the order given: in key order, two batches (two
        # processes) lock the keys they share in the same order, and never deadlock
        keys = sorted(asked)
        now = self._clock()
        ends = [now + first[k].window_seconds for k in keys]
        counts = [asked[k] for k in keys]
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
        taken = {str(k): (int(c), float(e)) for k, c, e in rows}
        return {k: (asked[k], first[k].limit) for k in keys}, taken, now

    def _answer(
        self,
        batch: list[_Waiting],
        asked: dict[str, tuple[int, int]],
        after: dict[str, tuple[int, float]],
        now: float,
    ) -> None:
        """Share out what was taken: the window gave each key what it still had, up to what
        was asked; the requests that waited get one each, in the order they came, and what is
        left stays with this process for the next ones."""
        for key, (wanted, limit) in asked.items():
            count, end = after[key]
            given = min(wanted, max(0, limit - (count - wanted)))
            held = self._shares.get(key)
            if held is not None and held.end == end:  # more of the window it holds
                held.hits += given
                held.left = max(0, limit - count)
            else:
                self._keep(key, _Share(given, max(0, limit - count), end), now)
        for waiting in batch:
            if waiting.answer is None:
                self._topping.difference_update(waiting.keys)
                continue
            states = []
            for key, hit in zip(waiting.keys, waiting.hits, strict=True):
                spent = self._spend(key, hit, now)
                # (given short of what waited means nothing is left: each later one refused)
                states.append(spent or RateLimit(False, hit.limit, 0, 1))
            if not waiting.answer.done():  # a request that gave up no longer listens
                waiting.answer.set_result(states)

    def _keep(self, key: str, share: _Share, now: float) -> None:
        if key not in self._shares and len(self._shares) >= SHARES_KEPT:
            self._shares = {k: s for k, s in self._shares.items() if s.end > now}
            if len(self._shares) >= SHARES_KEPT:
                self._shares.clear()  # forgetting costs only the hits held, and a count
        self._shares[key] = share

    async def reset(self, key: str) -> None:
        stored = stored_key(key)
        self._shares.pop(stored, None)
        lease = await self._database.lease(write=True)
        try:
            await lease.executor.execute(delete(t.rate_limits).where(t.rate_limits.c.key == stored))
            await lease.commit()
        finally:
            await lease.release()

    async def count(self, key: str) -> int:
        """Hits taken in the current window, by every process (for tests and operators)."""
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
            if waiting.answer is not None and not waiting.answer.done():
                waiting.answer.cancel()
        self._waiting.clear()
