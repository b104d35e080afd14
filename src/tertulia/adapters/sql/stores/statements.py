"""Statements several stores build alike: inserts that know ON CONFLICT, and unread counts that
stop counting at a cap."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.selectable import ScalarSelect

from tertulia.adapters.sql.leases import Executor
from tertulia.domain.ids import UserId
from tertulia.usecases.ports.messages import UNREAD_CAP


def dialect_insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that knows ON CONFLICT, for PostgreSQL or SQLite."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def insert_ignoring_duplicates(conn: Executor, table: Table) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING, in the dialect of the connection."""
    return dialect_insert(conn.dialect.name, table).on_conflict_do_nothing()


def unread_count(
    messages: Any, outer: Any, viewer: UserId, *where: ColumnElement[bool]
) -> ScalarSelect[int]:
    """How many of `messages` match, by others than the viewer and not deleted, counted up to
    UNREAD_CAP: an index scan that stops there. `outer` is the table of the enclosing query
    the conditions refer to."""
    capped = (
        select(literal(1))
        .where(*where, messages.c.author_id != viewer, messages.c.deleted_at.is_(None))
        .correlate(outer)  # a derived table is not correlated unless told
        .limit(UNREAD_CAP)
        .subquery()
    )
    return select(func.count()).select_from(capped).scalar_subquery()
