"""Schema migrations with Alembic, run programmatically on SQLite or PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from tertulia.adapters.sql.database import Database

SCRIPTS = Path(__file__).parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision this code knows."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema up to `revision` (the newest by default); safe to run again.

    On PostgreSQL Alembic holds the transaction itself, so that a migration may step out of
    it (`autocommit_block`) to build an index without blocking writes."""
    if database.writer.dialect.name == "postgresql":
        async with database.writer.connect() as conn:
            await conn.run_sync(lambda sync: command.upgrade(_config(sync), revision))
            await conn.commit()
        return
    async with database.writer.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_config(sync), revision))


async def downgrade(database: Database, revision: str) -> None:
    """Take the schema back to `revision` ("base" removes everything)."""
    async with database.writer.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(_config(sync), revision))


async def current(database: Database) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    async with database.reader.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
