"""Fixtures of the operations tests: those of the end-to-end tests (the fake GitHub with a customer's repository,
a migrated database, real Redis, the web app reached in-process); JSON log lines come from tests/conftest.py."""

from tests.e2e.conftest import anyio_backend, client, database_url, fake, fake_settings, pool, settings, world

__all__ = ["anyio_backend", "client", "database_url", "fake", "fake_settings", "pool", "settings", "world"]
