"""Migrations: the same schema on SQLite and PostgreSQL, matching the tables the code uses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tertulia.adapters.blobs.local import LocalBlobStore
from tertulia.adapters.images import PillowImages
from tertulia.adapters.sql import migrate
from tertulia.adapters.sql.database import Database, open_database
from tertulia.adapters.sql.tables import metadata
from tertulia.bootstrap import assemble, now
from tertulia.setup import FileSetup
from tertulia.usecases.accounts import AuthPolicy
from tertulia.usecases.searchtext import name_key
from tests import services
from tests.adapters.test_image_formats import INKSCAPE, SECRETS, avif, jpeg
from tests.twins import FastHasher


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database nobody has migrated yet."""
    if request.param == "sqlite":
        database = open_database(f"sqlite+aiosqlite:///{tmp_path}/fresh.db")
        yield database
        await database.close()
        return
    with services.fresh_postgres("tertulia_migrate") as url:
        database = open_database(url)
        yield database
        await database.close()


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
        await _owner_and_workspace(conn, at)
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


async def test_images_stored_before_they_were_cleaned_are_cleaned_after_it(
    empty_database: Database, tmp_path: Path, images: PillowImages
) -> None:
    """Migration 0010: an AVIF photo and an SVG stored as uploaded, and a JPEG whose processing
    failed (served as uploaded), go back to processing; the file worker then serves each
    without its metadata, the AVIF with thumbnails. A JPEG processed already, and a deleted
    file, are left alone."""
    await migrate.upgrade(empty_database, "0009")
    blobs = LocalBlobStore(tmp_path / "blobs")
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    stored = {}
    for name, data in {"avif": avif(), "svg": INKSCAPE, "jpeg": jpeg()}.items():
        stored[name] = (await blobs.put(_once(data), len(data))).key
    rows = [
        # id, content type, status, blob, inline, deleted
        ("photo", "image/avif", "ready", stored["avif"], True, None),
        ("drawing", "image/svg+xml", "ready", stored["svg"], False, None),
        ("failed", "image/jpeg", "failed", stored["jpeg"], False, None),
        ("done", "image/jpeg", "ready", stored["jpeg"], True, None),
        ("gone", "image/avif", "ready", stored["avif"], True, at),
    ]
    async with empty_database.writer.begin() as conn:
        await _owner_and_workspace(conn, at)
        for file_id, content_type, status, key, inline, deleted in rows:
            await conn.execute(
                text(
                    "INSERT INTO files (id, workspace_id, uploader_id, name, size, content_type,"
                    " kind, inline, status, blob_key, created_at, deleted_at) VALUES (:id,"
                    " 'w1', 'u1', :id, 1, :type, 'image', :inline, :status, :key, :at, :deleted)"
                ),
                {
                    "id": file_id,
                    "type": content_type,
                    "inline": inline,
                    "status": status,
                    "key": key,
                    "at": at,
                    "deleted": deleted,
                },
            )
    await migrate.upgrade(empty_database)
    async with empty_database.reader.connect() as conn:
        waiting = set(
            (await conn.execute(text("SELECT subject FROM jobs WHERE kind = 'image'"))).scalars()
        )
    assert waiting == {"photo", "drawing", "failed"}

    setup = FileSetup(blobs=blobs, images=images)
    # the migration queued the work at the time it ran: the worker runs on the same clock
    core = await assemble(empty_database, FastHasher(), now, AuthPolicy(), files=setup)
    while await core.jobs.run_once():
        pass
    async with empty_database.reader.connect() as conn:
        found = {
            r.id: r
            for r in await conn.execute(
                text("SELECT id, status, blob_key, inline, problem FROM files")
            )
        }
        thumbnails = set(
            (await conn.execute(text("SELECT file_id FROM file_thumbnails"))).scalars()
        )
    assert (found["photo"].status, bool(found["photo"].inline)) == ("ready", True)
    assert "photo" in thumbnails
    assert found["drawing"].status == "ready"
    assert found["failed"].status in ("ready", "failed")
    for file_id in ("photo", "drawing", "failed"):
        key = found[file_id].blob_key
        assert key is not None, file_id
        assert key not in stored.values(), file_id
        served = b"".join([chunk async for chunk in blobs.read(key)])
        assert not any(secret in served for secret in (*SECRETS, b"GPS")), file_id
    assert (found["done"].status, found["done"].blob_key) == ("ready", stored["jpeg"])
    assert (found["gone"].status, found["gone"].blob_key) == ("ready", stored["avif"])


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _owner_and_workspace(conn: AsyncConnection, at: datetime) -> None:
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
