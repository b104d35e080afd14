"""Tertulia: an open team-chat backend."""

__version__ = "0.1.0"
