"""Migrations: the same schema on SQLite and PostgreSQL, matching the tables the code uses."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import make_url, text

from tertulia.adapters.sql import migrate
from tertulia.adapters.sql.database import Database, open_database
from tertulia.adapters.sql.tables import metadata
from tertulia.usecases.searchtext import name_key
from tests import services


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database nobody has migrated yet."""
    if request.param == "sqlite":
        database = open_database(f"sqlite+aiosqlite:///{tmp_path}/fresh.db")
        yield database
        await database.close()
        return
    admin = make_url(services.POSTGRES_URL)
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"tertulia_migrate_{uuid.uuid4().hex[:8]}"
    try:
        conn = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        services.unavailable("postgres", str(exc))
    await conn.execute(f'CREATE DATABASE "{name}"')
    database = open_database(admin.set(database=name).render_as_string(hide_password=False))
    yield database
    await database.close()
    await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    await conn.close()


def _not_search(name: str | None, kind: str, parents: object) -> bool:
    """The search index's tables differ by engine (FTS5 or tsvector): the search suite checks
    them (tests/usecases/test_search.py, on both engines)."""
    return not (kind == "table" and (name or "").startswith("search_"))


async def _differences(database: Database) -> list[object]:
    async with database.writer.connect() as conn:
        diffs: list[object] = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"include_name": _not_search}), metadata
            )
        )
    return diffs


async def test_migrations_build_exactly_the_schema_the_code_uses(empty_database: Database) -> None:
    """After `tertulia migrate`, the database has every table, column and index the code
    expects, and nothing else; migrating again changes nothing."""
    assert await migrate.current(empty_database) is None
    await migrate.upgrade(empty_database)
    assert await migrate.current(empty_database) == migrate.head()
    assert await _differences(empty_database) == []
    await migrate.upgrade(empty_database)
    assert await migrate.current(empty_database) == migrate.head()


async def test_migrations_can_be_undone_and_redone(empty_database: Database) -> None:
    """Downgrading to nothing and upgrading again works, so a bad release can be rolled back."""
    await migrate.upgrade(empty_database)
    await migrate.downgrade(empty_database, "base")
    assert await migrate.current(empty_database) is None
    await migrate.upgrade(empty_database)
    assert await _differences(empty_database) == []


async def test_files_uploaded_before_file_search_are_found_after_it(
    empty_database: Database,
) -> None:
    """Migration 0006 gives every live file already there its runs of words (what file
    search looks names up by); a deleted file gets none."""
    await migrate.upgrade(empty_database, "0005")
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    async with empty_database.writer.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO users (id, username, email, display_name, title, timezone,"
                " password_hash, created_at, updated_at)"
                " VALUES ('u1', 'ana', 'ana@example.com', 'Ana', '', '', 'x', :at, :at)"
            ),
            {"at": at},
        )
        await conn.execute(
            text(
                "INSERT INTO workspaces (id, name, slug, description, created_by, created_at,"
                " updated_at) VALUES ('w1', 'W', 'w', '', 'u1', :at, :at)"
            ),
            {"at": at},
        )
        for file_id, name, deleted in (
            ("f1", "Informe Anual.pdf", None),
            ("f2", "viejo.pdf", at),
        ):
            await conn.execute(
                text(
                    "INSERT INTO files (id, workspace_id, uploader_id, name, search_name, size,"
                    " content_type, kind, inline, status, created_at, deleted_at)"
                    " VALUES (:id, 'w1', 'u1', :name, :key, 1, 'application/pdf', 'pdf',"
                    " true, 'ready', :at, :deleted)"
                ),
                {"id": file_id, "name": name, "key": name_key(name), "at": at, "deleted": deleted},
            )
    await migrate.upgrade(empty_database)
    async with empty_database.reader.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT workspace_id, run, file_id FROM file_name_runs ORDER BY run")
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("w1", "anual pdf", "f1"),
        ("w1", "informe anual pdf", "f1"),
        ("w1", "pdf", "f1"),
    ]
