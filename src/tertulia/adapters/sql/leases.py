"""Leases: a connection inside a transaction, the same to the unit of work whether it comes from
PostgreSQL's async pool or from SQLite run inline on the event loop.

Why SQLite runs inline. SQLite is a library, not a server: a statement on a warm WAL database
takes tens of microseconds. Handing each one to a thread (aiosqlite) costs more than running
it, and under load each hand-back waits for the GIL behind the busy event loop, so the single
writer's transactions stretched to milliseconds. Run inline, a transaction holds the write lock
only for the CPU time of its statements, and every statement of a unit of work completes
without yielding, so transactions never interleave on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import asyncpg
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.engine.result import ScalarResult
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction
from sqlalchemy.sql import Executable

T = TypeVar("T")
# what a dead PostgreSQL connection raises
_GONE = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError, ConnectionError)
log = logging.getLogger("tertulia.sql")
BUSY_WAIT = 30.0  # seconds to wait for another process's write lock before giving up


@dataclass(frozen=True, slots=True)
class Raw:
    """A statement of the hot path, written once in SQL with :name parameters and run by the
    driver itself (sqlite3 or asyncpg), skipping SQLAlchemy's per-statement work. Values go
    in as Python values; rows come out as tuples (see `utc` for their datetimes)."""

    sql: str
    postgres: str = ""
    names: tuple[str, ...] = ()

    @classmethod
    def of(cls, sql: str) -> Raw:
        names: list[str] = []

        def numbered(match: re.Match[str]) -> str:
            if match.group(1) not in names:
                names.append(match.group(1))
            return f"${names.index(match.group(1)) + 1}"

        return cls(sql, re.sub(r"(?<!:):([a-z_]+)", numbered, sql), tuple(names))


def utc(value: Any) -> datetime | None:
    """A datetime read by a driver (sqlite3 gives text, asyncpg an aware value) as aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_value(value: Any) -> Any:
    """As SQLAlchemy would store it on SQLite: naive UTC text for datetimes, 0/1 for bools."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


class Executor(Protocol):
    """What stores call: a connection inside a transaction."""

    @property
    def dialect(self) -> Dialect: ...

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]: ...

    async def scalar(self, statement: Executable, parameters: Any = None) -> Any: ...

    async def scalars(self, statement: Executable, parameters: Any = None) -> ScalarResult[Any]: ...

    async def raw(self, statement: Raw, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run a hot-path statement through the driver; its rows, if any."""


class Lease(Protocol):
    """An executor and the end of its transaction."""

    @property
    def executor(self) -> Executor: ...

    async def commit(self) -> None: ...

    async def release(self) -> None:
        """Roll back unless committed, and give the connection back."""


class AsyncLease:
    """A transaction on an async engine (PostgreSQL through asyncpg)."""

    def __init__(self, conn: AsyncConnection, tx: AsyncTransaction) -> None:
        self._conn = conn
        self._tx = tx
        self._executor = AsyncExecutor(conn)

    @classmethod
    async def open(cls, engine: AsyncEngine) -> AsyncLease:
        conn = await engine.connect()
        try:
            tx = await conn.begin()
        except BaseException:
            await conn.close()
            raise
        return cls(conn, tx)

    @property
    def executor(self) -> Executor:
        return self._executor

    async def commit(self) -> None:
        await self._tx.commit()

    async def release(self) -> None:
        try:
            if self._tx.is_active:
                await self._tx.rollback()
        finally:
            await self._conn.close()


class AsyncExecutor:
    """An async SQLAlchemy connection (PostgreSQL), with a way past it to asyncpg."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._driver: Any = None

    @property
    def dialect(self) -> Dialect:
        return self._conn.dialect

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        return await self._conn.execute(statement, parameters)

    async def scalar(self, statement: Executable, parameters: Any = None) -> Any:
        return await self._conn.scalar(statement, parameters)

    async def scalars(self, statement: Executable, parameters: Any = None) -> ScalarResult[Any]:
        return await self._conn.scalars(statement, parameters)

    async def run_sync(self, fn: Callable[[Connection], T]) -> T:
        return await self._conn.run_sync(fn)

    async def raw(self, statement: Raw, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        adapted = self._driver
        if adapted is None:
            fairy = await self._conn.get_raw_connection()
            adapted = self._driver = fairy.dbapi_connection
        # SQLAlchemy's asyncpg adapter begins its transaction on the first statement it runs;
        # make sure it has, so that this one runs inside it (private names of SQLAlchemy 2.x's
        # adapter: constraints.txt pins the version, the tests would catch a change)
        try:
            if adapted._transaction is None:
                await adapted._start_transaction()
            rows = await adapted._connection.fetch(
                statement.postgres, *(parameters[name] for name in statement.names)
            )
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(statement.sql, None, exc, hide_parameters=True) from exc
        except Exception as exc:
            if adapted._connection.is_closed() or isinstance(exc, _GONE):
                # the connection died (a restart, a network cut): it must not go back to the
                # pool, where every request starting on this path would fail with it
                await self._conn.invalidate(exc)
                raise OperationalError(statement.sql, None, exc, hide_parameters=True) from exc
            raise
        return [tuple(row) for row in rows]


class InlineExecutor:
    """A synchronous SQLAlchemy connection behind the async methods stores call."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @property
    def dialect(self) -> Dialect:
        return self._conn.dialect

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        return self._conn.execute(statement, parameters)

    async def scalar(self, statement: Executable, parameters: Any = None) -> Any:
        return self._conn.scalar(statement, parameters)

    async def scalars(self, statement: Executable, parameters: Any = None) -> ScalarResult[Any]:
        return self._conn.scalars(statement, parameters)

    async def run_sync(self, fn: Callable[[Connection], T]) -> T:
        return fn(self._conn)

    async def raw(self, statement: Raw, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        driver = self._conn.connection.driver_connection
        assert driver is not None
        try:
            cursor = driver.execute(
                statement.sql, {k: _sqlite_value(v) for k, v in parameters.items()}
            )
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(statement.sql, None, exc, hide_parameters=True) from exc
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


class InlineLease:
    def __init__(self, pool: InlinePool, conn: Connection) -> None:
        self._pool = pool
        self._conn = conn
        self._executor = InlineExecutor(conn)

    @property
    def executor(self) -> Executor:
        return self._executor

    async def commit(self) -> None:
        self._conn.commit()

    async def release(self) -> None:
        try:
            if self._conn.in_transaction():
                self._conn.rollback()
        finally:
            self._pool.give_back(self._conn)


class InlinePool:
    """SQLite connections used on the event loop, waited for without blocking it. The writer
    pool has one connection and takes the write lock at BEGIN."""

    def __init__(self, engine: Engine, size: int) -> None:
        self._engine = engine
        self._size = size
        self._free: list[Connection] = []
        self._made = 0
        self._waiting: deque[asyncio.Future[Connection]] = deque()

    def usage(self) -> tuple[int, int]:
        """Connections lent out, and the pool's size (for /metrics)."""
        return self._made - len(self._free), self._size

    async def lease(self) -> InlineLease:
        conn = await self._checkout()
        try:
            await self._begin(conn)
        except BaseException:
            self.give_back(conn)
            raise
        return InlineLease(self, conn)

    async def _checkout(self) -> Connection:
        if self._free:
            return self._free.pop()
        if self._made < self._size:
            self._made += 1
            return self._engine.connect()
        waiter: asyncio.Future[Connection] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            # handed a connection just as we were cancelled: pass it on, or it is lost for good
            if waiter.done() and not waiter.cancelled():
                self.give_back(waiter.result())
            raise

    def give_back(self, conn: Connection) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():  # a cancelled waiter is skipped
                waiter.set_result(conn)
                return
        self._free.append(conn)

    async def _begin(self, conn: Connection) -> None:
        """BEGIN (IMMEDIATE, for the writer). If another process holds the write lock, wait
        for it here, asynchronously, instead of in SQLite's busy handler on the loop."""
        deadline = time.monotonic() + BUSY_WAIT
        pause = 0.001
        while True:
            try:
                conn.begin()
                return
            except OperationalError as exc:
                locked = isinstance(exc.orig, sqlite3.OperationalError) and "locked" in str(
                    exc.orig
                )
                if conn.in_transaction():
                    conn.rollback()
                if not locked or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.05)

    def close(self) -> None:
        for conn in self._free:
            conn.close()
        self._free.clear()
        self._engine.dispose()


def inline_engine(path: Path, writer: bool, size: int) -> Engine:
    """A synchronous engine on the SQLite file, configured like the async ones: WAL, foreign
    keys, our own BEGIN. The writer waits for no lock inside SQLite (InlinePool waits instead);
    readers never meet one in WAL mode except during recovery, for which they wait briefly."""
    engine = create_engine(
        f"sqlite:///{path}",
        hide_parameters=True,
        pool_size=size,
        max_overflow=0,
        connect_args={"check_same_thread": False, "timeout": 0 if writer else 1},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in _PRAGMAS:
            cursor.execute(pragma)
        cursor.execute(f"PRAGMA busy_timeout={0 if writer else 1000}")
        if writer:
            # checkpoints run on a thread (Checkpointer); this is only the safety net
            cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


_PRAGMAS: Sequence[str] = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    # pages through a memory map (shared by every connection and process with the OS cache)
    # rather than a read() each: a search walking a large index touches many pages
    "PRAGMA mmap_size=1073741824",
)


class Checkpointer:
    """Copies the WAL back into the database file every so often, on a thread of its own, so
    that no commit on the event loop ever pays for a checkpoint. PASSIVE: it never waits for,
    nor blocks, readers and the writer."""

    def __init__(self, path: Path, every: float = 1.0) -> None:
        self._path = path
        self._every = every
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        conn = await asyncio.to_thread(
            sqlite3.connect, self._path, check_same_thread=False, isolation_level=None
        )
        checkpoint: asyncio.Future[object] | None = None
        try:
            while True:
                await asyncio.sleep(self._every)
                running: asyncio.Future[object] = asyncio.ensure_future(
                    asyncio.to_thread(conn.execute, "PRAGMA wal_checkpoint(PASSIVE)")
                )
                checkpoint = running
                try:
                    await asyncio.shield(running)
                except sqlite3.Error:
                    log.warning("checkpoint failed; will try again", exc_info=True)
        finally:
            # stopped mid-checkpoint: its thread goes on with the connection, and closing the
            # connection under it crashes the process; close it once the thread is done
            if checkpoint is not None and not checkpoint.done():
                await asyncio.wait([checkpoint])
            if checkpoint is not None and not checkpoint.cancelled():
                checkpoint.exception()  # retrieved: a failure there was logged or is moot
            conn.close()
