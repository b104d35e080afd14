"""SQL storage on SQLite (embedded) or PostgreSQL (scale-out), with one schema and migrations."""
