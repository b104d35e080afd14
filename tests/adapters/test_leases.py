"""Connections under stress: cancelled waiters and dead PostgreSQL connections."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import make_url

from tertulia.adapters.sql.database import Database, open_database
from tertulia.bootstrap import assemble
from tertulia.domain.messages import Draft
from tertulia.usecases.accounts import AuthPolicy, Registration
from tests.twins import FastHasher


async def test_a_cancelled_wait_for_the_writer_does_not_lose_it(database: Database) -> None:
    """A request cancelled just as the writer connection is handed to it (a client gone, a
    timeout) passes it on: writes keep working."""
    pool = database.inline_writer
    assert pool is not None
    first = await pool.lease()
    waiting = asyncio.create_task(pool.lease())
    await asyncio.sleep(0)  # the task now waits for the connection
    await first.release()  # hands the connection to the waiting task...
    waiting.cancel()  # ...which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await waiting
    again = await asyncio.wait_for(pool.lease(), timeout=2)
    await again.release()


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[Database]:
    database = open_database(postgres_url, pool_size=4)
    yield database
    await database.close()


@pytest.mark.postgres
async def test_posting_recovers_when_postgres_drops_its_connections(
    pg: Database, postgres_url: str
) -> None:
    """After the database restarts (its connections cut), posting fails at most once per
    pooled connection and then works again."""
    core = await assemble(pg, FastHasher(), lambda: datetime.now(UTC), AuthPolicy())
    ana = await core.accounts.register(Registration("ana", "ana@example.com", "violeta-azul-42!"))
    ws, _ = await core.workspaces.create(ana.id, "Equipo")
    general = (await core.channels.browse(ana.id, ws.id)).items[0].channel.id
    await core.posting.post(ana.id, general, Draft("antes"))

    url = make_url(postgres_url)
    admin = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(False))
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            url.database,
        )
    finally:
        await admin.close()

    failures = 0
    for attempt in range(6):
        try:
            await core.posting.post(ana.id, general, Draft(f"después {attempt}"))
        except Exception:
            failures += 1
    assert failures <= 4  # at most each pooled connection once
    page = await core.history.page(ana.id, general, limit=10)
    assert page.items[-1].message.text == "después 5"


STOP_MID_CHECKPOINT = """
import asyncio, sqlite3, sys
from pathlib import Path
from tertulia.adapters.sql.leases import Checkpointer

async def main(path):
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (x BLOB)")
    for i in range(100):
        for _ in range(100):  # a WAL to copy back
            writer.execute("INSERT INTO t VALUES (randomblob(4000))")
        checkpointer = Checkpointer(path, every=0.0)
        checkpointer.start()
        await asyncio.sleep(0.001 * (i % 5))
        await checkpointer.stop()

asyncio.run(main(Path(sys.argv[1])))
"""


def test_stopping_sqlite_checkpoints_mid_checkpoint_does_not_crash(tmp_path: Path) -> None:
    """A server stopping while a WAL checkpoint runs on its thread ends cleanly. (The
    connection used to be closed under the running checkpoint: the process died of a
    segmentation fault in almost every run of this.) In a process of its own, so that a crash is a
    failure of this test."""
    run = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", STOP_MID_CHECKPOINT, str(tmp_path / "t.db")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
