"""Adapters: the technologies behind the ports (SQL storage, password hashing, rate limits)."""
