"""Engines for SQLite (one writer connection, WAL, several readers) and PostgreSQL (one pool)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tertulia.adapters.sql.leases import (
    AsyncLease,
    Checkpointer,
    InlinePool,
    Lease,
    inline_engine,
)


@dataclass(frozen=True, slots=True)
class Database:
    """Where use cases read and write.

    On PostgreSQL, one async pool. On SQLite, units of work run inline on the event loop (see
    `leases`): all writes go through a single connection that takes the write lock at BEGIN,
    so transactions never deadlock upgrading a read lock; reads have connections of their own.
    The async engines `writer` and `reader` serve migrations, tools and tests.
    """

    url: URL
    writer: AsyncEngine
    reader: AsyncEngine
    inline_writer: InlinePool | None = None
    inline_readers: InlinePool | None = None
    checkpointer: Checkpointer | None = None

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    async def lease(self, write: bool) -> Lease:
        """A connection in a new transaction, for a unit of work."""
        if self.inline_writer is not None and self.inline_readers is not None:
            return await (self.inline_writer if write else self.inline_readers).lease()
        return await AsyncLease.open(self.writer if write else self.reader)

    def start(self) -> None:
        """Start background upkeep (SQLite checkpoints); call from the running loop."""
        if self.checkpointer is not None:
            self.checkpointer.start()

    async def close(self) -> None:
        if self.checkpointer is not None:
            await self.checkpointer.stop()
        for pool in (self.inline_writer, self.inline_readers):
            if pool is not None:
                pool.close()
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()

    async def ping(self) -> None:
        """Raise if the database does not answer."""
        async with self.reader.connect() as conn:
            await conn.execute(text("SELECT 1"))


def sqlite_path(url: URL) -> Path | None:
    """The file of an SQLite URL, or None for an in-memory database."""
    if url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _sqlite_engine(url: URL, begin: str, pool_size: int) -> AsyncEngine:
    engine = create_async_engine(
        url,
        hide_parameters=True,  # errors must not carry emails or tokens into the logs
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=30,
        connect_args={"timeout": 30},
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # we emit BEGIN ourselves (see below); the driver must not
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def open_database(url: str, pool_size: int = 10, echo: bool = False) -> Database:
    """Engines for the URL; creates the directory of an SQLite file if needed."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(parsed)
        if path is None:
            raise ValueError("Tertulia needs an SQLite file, not an in-memory database.")
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = _sqlite_engine(parsed, "BEGIN IMMEDIATE", pool_size=1)
        reader = _sqlite_engine(parsed, "BEGIN", pool_size=2)
        readers = max(2, min(pool_size, 8))
        return Database(
            parsed,
            writer,
            reader,
            InlinePool(inline_engine(path, writer=True, size=1), 1),
            InlinePool(inline_engine(path, writer=False, size=readers), readers),
            Checkpointer(path),
        )
    if backend == "postgresql":
        engine = create_async_engine(
            parsed,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=False,  # a ping per checkout costs a round trip per request
            pool_recycle=1800,
            echo=echo,
            hide_parameters=True,  # errors must not carry emails or tokens into the logs
        )
        return Database(parsed, engine, engine)
    raise ValueError(
        f"Unsupported database '{backend}': use sqlite+aiosqlite or postgresql+asyncpg."
    )
