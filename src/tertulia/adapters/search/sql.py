"""The search index in the database itself: SQLite's FTS5 (`fts5`), or a PostgreSQL tsvector
with GIN indexes (`postgres`, `tsquery`, `statistics`); what both do alike is in `walk`. Both
store the lexemes of `usecases.searchtext` and get the user's query only as those lexemes,
quoted by us: no user text ever reaches a MATCH or a tsquery parser."""

from __future__ import annotations

from tertulia.adapters.search.fts5 import SqliteSearch
from tertulia.adapters.search.postgres import PostgresSearch
from tertulia.adapters.sql.leases import Executor


def search_index(conn: Executor, database: str = "") -> SqliteSearch | PostgresSearch:
    """The engine's index, on a connection to `database` (a name for what it keeps of it)."""
    if conn.dialect.name == "postgresql":
        return PostgresSearch(conn, database)
    return SqliteSearch(conn)
