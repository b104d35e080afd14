"""The search index: adapters of the SearchIndex port, written in the unit of work's own
transaction (sql.py chooses: fts5.py for SQLite; postgres.py, tsquery.py and statistics.py for
PostgreSQL; walk.py for what both do alike)."""
