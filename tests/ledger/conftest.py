"""Ledger tests run twice, as the store's do: on a real SQLite file and on a real PostgreSQL database of their own."""

from tests.db.conftest import anyio_backend, database_url, engine, sessions

__all__ = ["anyio_backend", "database_url", "engine", "sessions"]
