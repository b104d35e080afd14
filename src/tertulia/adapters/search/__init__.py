"""The search index: adapters of the SearchIndex port (sql.py: SQLite FTS5 and PostgreSQL
tsvector, written in the unit of work's own transaction)."""
