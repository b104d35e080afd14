"""Search on PostgreSQL: a second GIN index whose lexemes carry the message's channel
(`<channel>:s:clav` beside `s:clav`), so that a word is looked up only in the channels the
person may read. The permission filter then happens inside the index: a word in 2 % of a
million messages, 80 % of them in channels the person is not in, reads a fifth of its
matches from the table instead of all of them.

The channel is the last 8 characters of its id (the random part of a ULID): two channels
that share them only bring the other's matches as candidates, which the SQL permission
check drops. The index is computed from the stored tsvector, so existing messages are
covered when it is built; nothing to reindex. It is built CONCURRENTLY, outside the
migration's transaction: messages can be posted meanwhile. SQLite's FTS5 has its own
`scope` column.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# kept in step with `adapters.search.tsquery.SCOPE_KEY_LENGTH` and `scoped_tsquery` (the behaviour
# suite, run with the scoped lookups, loses matches if they disagree)
_FUNCTION = """
CREATE OR REPLACE FUNCTION tertulia_search_scope(channel_id text, doc tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array_to_tsvector(ARRAY(
        SELECT right(channel_id, 8) || ':' || lexeme FROM unnest(tsvector_to_array(doc)) AS lexeme
    ))
$$
"""
_INDEX = (
    "CREATE INDEX CONCURRENTLY search_docs_scoped ON search_docs"
    " USING gin (tertulia_search_scope(channel_id, doc)) WITH (fastupdate = off)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    # built beside the messages being posted (about a minute a million messages here); a
    # build that failed leaves an invalid index, dropped when the migration runs again
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS search_docs_scoped")
        op.execute(_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX search_docs_scoped")
    op.execute("DROP FUNCTION tertulia_search_scope(text, tsvector)")
