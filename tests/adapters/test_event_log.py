"""The event log: ids in commit order, so that one cursor per client never misses an event;
and the deployment whose log it is."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from tertulia.adapters.sql import migrate
from tertulia.adapters.sql import tables as t
from tertulia.adapters.sql.database import Database, open_database
from tertulia.adapters.sql.eventlog import SqlEventLog
from tertulia.adapters.sql.uow import SqlUnitOfWorkFactory
from tertulia.domain.events import Event

WRITERS = 20
EVENTS_PER_WRITER = 15


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = open_database(database_url, pool_size=WRITERS + 2)
    yield database
    await database.close()


async def test_readers_never_see_an_id_commit_below_one_they_have_read(db: Database) -> None:
    """Twenty concurrent writers append events while a reader tails the log by id: the reader
    never sees an id appear below one it has already passed, and ends with every event."""
    uow = SqlUnitOfWorkFactory(db)
    done = asyncio.Event()
    seen: list[int] = []
    late: list[int] = []

    async def write(writer: int) -> None:
        for n in range(EVENTS_PER_WRITER):
            async with uow() as work:
                for k in range(random.randint(1, 3)):
                    work.emit(Event("test.appended", {"writer": writer, "n": n, "k": k}, ()))
                await asyncio.sleep(random.random() / 200)  # let other writers interleave
                await work.commit()

    async def tail() -> None:
        last = 0
        while True:
            finished = done.is_set()
            async with db.reader.connect() as conn:
                ids = list(await conn.scalars(select(t.events.c.id).order_by(t.events.c.id)))
            fresh = [i for i in ids if i not in set(seen)]
            late.extend(i for i in fresh if i < last)
            seen.extend(fresh)
            last = max(seen, default=0)
            if finished:
                return
            await asyncio.sleep(0)

    reader = asyncio.create_task(tail())
    await asyncio.gather(*(write(w) for w in range(WRITERS)))
    done.set()
    await reader
    assert late == [], f"ids committed below ones already read: {late[:10]}"
    async with db.reader.connect() as conn:
        stored = list(await conn.scalars(select(t.events.c.id).order_by(t.events.c.id)))
    assert sorted(seen) == stored
    assert len(stored) >= WRITERS * EVENTS_PER_WRITER


async def test_events_of_a_rolled_back_unit_of_work_are_never_stored(db: Database) -> None:
    """A change that fails before commit leaves no event behind."""
    uow = SqlUnitOfWorkFactory(db)

    async def refused() -> None:
        async with uow() as work:
            work.emit(Event("test.appended", {"n": 1}, ()))
            raise RuntimeError("the use case refused")

    with pytest.raises(RuntimeError):
        await refused()
    async with uow() as work:
        work.emit(Event("test.appended", {"n": 2}, ("user:X",)))
        await work.commit()
    assert [e.data for e in work.committed_events] == [{"n": 2}]
    assert work.committed_events[0].id > 0
    async with db.reader.connect() as conn:
        rows = (await conn.execute(select(t.events.c.data, t.events.c.audience))).all()
    assert [(r.data, r.audience) for r in rows] == [('{"n":2}', "user:X")]


async def test_a_database_names_its_deployment_once_for_every_node(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    """Every node on one database reads the same deployment id (it names their Redis channel
    and keys their messages); a lost row is made again once, whoever asks first; another
    database has an id of its own."""
    nodes = [SqlEventLog(db), SqlEventLog(db)]
    first = await nodes[0].identity()
    assert await nodes[1].identity() == first
    async with db.writer.begin() as conn:
        await conn.execute(delete(t.deployment))

    again = await asyncio.gather(*(log.identity() for log in nodes * 3))

    assert len(set(again)) == 1
    assert again[0] != first
    other = open_database(f"sqlite+aiosqlite:///{tmp_path}/other.db")
    try:
        await migrate.upgrade(other)
        assert await SqlEventLog(other).identity() not in {first, again[0]}
    finally:
        await other.close()
