"""Rate limits in the database: every process sharing it counts the same attempts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from tertulia.adapters.sql.database import Database, open_database
from tertulia.adapters.sql.ratelimits import SqlRateLimiter
from tertulia.adapters.sql.tables import rate_limits


class Seconds:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = open_database(database_url, pool_size=4)
    yield database
    await database.close()


async def test_two_processes_share_one_count(db: Database) -> None:
    """Two limiters on one database (two workers, two nodes) refuse the fourth hit of three."""
    clock = Seconds()
    first, second = SqlRateLimiter(db, clock), SqlRateLimiter(db, clock)
    states = [await limiter.hit("login:x", 3, 60) for limiter in (first, second, first, second)]
    assert [s.allowed for s in states] == [True, True, True, False]
    assert [s.remaining for s in states] == [2, 1, 0, 0]
    assert states[-1].reset_after == 60


async def test_concurrent_hits_are_all_counted(db: Database) -> None:
    """Fifty simultaneous attempts: exactly the limit pass, none is lost."""
    limiter = SqlRateLimiter(db, Seconds())
    states = await asyncio.gather(*(limiter.hit("burst", 10, 60) for _ in range(50)))
    assert sum(s.allowed for s in states) == 10
    assert await limiter.count("burst") == 50


async def test_a_window_that_ends_starts_afresh(db: Database) -> None:
    """Once the window is over, the count starts again, and old windows are swept away."""
    clock = Seconds()
    limiter = SqlRateLimiter(db, clock)
    for _ in range(3):
        await limiter.hit("k", 2, 60)
    clock.now += 59
    assert not (await limiter.hit("k", 2, 60)).allowed
    assert (await limiter.hit("k", 2, 60)).reset_after == 1
    clock.now += 2
    fresh = await limiter.hit("k", 2, 60)
    assert fresh.allowed
    assert fresh.remaining == 1
    assert fresh.reset_after == 60
    await limiter.hit("other", 2, 1)
    clock.now += 120
    await limiter.hit("late", 2, 60)
    async with db.reader.connect() as conn:
        keys = set(await conn.scalars(select(rate_limits.c.key)))
    assert keys == {"late"}


async def test_reset_forgets_a_key_only(db: Database) -> None:
    """Clearing one key (a right password) leaves the others counting."""
    limiter = SqlRateLimiter(db, Seconds())
    await limiter.hit("a", 5, 60)
    await limiter.hit("b", 5, 60)
    await limiter.reset("a")
    assert await limiter.count("a") == 0
    assert await limiter.count("b") == 1
