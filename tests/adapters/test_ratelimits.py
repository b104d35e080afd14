"""Rate limits in the database: every process sharing it counts the same attempts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from tertulia.adapters.sql.database import Database, open_database
from tertulia.adapters.sql.ratelimits import SqlRateLimiter
from tertulia.adapters.sql.tables import rate_limits
from tertulia.usecases.ports.limits import Hit


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


async def test_a_key_over_its_limit_is_refused_without_the_database(db: Database) -> None:
    """Once a key's window is used up, this process refuses it until the window ends without
    asking the database (a runaway script costs it nothing more); then it counts afresh."""
    clock = Seconds()
    limiter = SqlRateLimiter(db, clock)
    states = [await limiter.hit("script", 2, 60) for _ in range(3)]
    assert [s.allowed for s in states] == [True, True, False]
    for _ in range(20):
        refused = await limiter.hit("script", 2, 60)
        assert not refused.allowed
        assert refused.reset_after == 60
    assert await limiter.count("script") == 2
    clock.now += 61
    assert (await limiter.hit("script", 2, 60)).allowed
    assert await limiter.count("script") == 1


async def test_many_keys_of_many_requests_are_counted_in_order(db: Database) -> None:
    """Requests charging several keys at once, concurrently: each key's hits are numbered in
    the order they came, across every request, and no hit is lost."""
    limiter = SqlRateLimiter(db, Seconds())
    requests = [
        [Hit("write:ana", 100, 60), Hit("post:ana", 3, 60), Hit("channel:dev", 5, 60)],
        [Hit("write:bruno", 100, 60), Hit("post:bruno", 3, 60), Hit("channel:dev", 5, 60)],
    ] * 4
    answers = await asyncio.gather(*(limiter.hit_many(hits) for hits in requests))
    post = [a[1].allowed for a in answers]
    assert post == [True, True, True, True, True, True, False, False]
    assert [a[2].remaining for a in answers] == [4, 3, 2, 1, 0, 0, 0, 0]
    assert [a[2].allowed for a in answers] == [True] * 5 + [False] * 3
    assert await limiter.count("channel:dev") == 8
    assert await limiter.count("write:ana") == 10  # what a process takes in advance of 100


async def test_a_large_limit_is_taken_in_advance_and_never_passed_together(db: Database) -> None:
    """With a limit of 1,000, each process takes 100 hits at a time, and two processes
    together never let more than 1,000 through; once the window is used up, each refuses on
    its own."""
    clock = Seconds()
    first, second = SqlRateLimiter(db, clock), SqlRateLimiter(db, clock)
    allowed = 0
    for n in range(1_300):
        limiter = first if n % 3 else second
        allowed += (await limiter.hit("write:script", 1_000, 60)).allowed
    assert allowed == 1_000
    taken = await first.count("write:script")
    assert not (await first.hit("write:script", 1_000, 60)).allowed
    assert not (await second.hit("write:script", 1_000, 60)).allowed
    assert await first.count("write:script") == taken  # refused without the database
    await first.aclose()
    await second.aclose()


@pytest.mark.parametrize("length", [182, 254, 10_000])
async def test_keys_of_any_length_fit(db: Database, length: int) -> None:
    """A key holding what someone typed (a login of any length, any script) is counted like
    any other, on both databases: long keys are stored by a digest, and stay distinct."""
    limiter = SqlRateLimiter(db, Seconds())
    typed = ("ñ" * length)[:length]
    first = await limiter.hit(f"password:{typed}:127.0.0.1", 1, 60)
    other = await limiter.hit(f"password:{typed}x:127.0.0.1", 1, 60)
    again = await limiter.hit(f"password:{typed}:127.0.0.1", 1, 60)
    assert (first.allowed, other.allowed, again.allowed) == (True, True, False)
    assert await limiter.count(f"password:{typed}:127.0.0.1") == 1
    assert await limiter.count(f"password:{typed}x:127.0.0.1") == 1


async def test_a_busy_key_is_taken_more_of_before_it_runs_out(db: Database) -> None:
    """Half of what was taken spent, the process takes more in the background: the next
    requests find hits held, and never wait for the database."""
    limiter = SqlRateLimiter(db, Seconds())
    for _ in range(49):
        assert (await limiter.hit("write:busy", 1_000, 60)).allowed
    assert await limiter.count("write:busy") == 100
    assert (await limiter.hit("write:busy", 1_000, 60)).allowed  # the 50th: half spent
    await asyncio.sleep(0.05)  # the top-up, in the background
    assert await limiter.count("write:busy") == 200
    for _ in range(150):
        state = await limiter.hit("write:busy", 1_000, 60)
        assert state.allowed
    await limiter.aclose()
    assert await limiter.count("write:busy") in (200, 300)  # perhaps one more under way
