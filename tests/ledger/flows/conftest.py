"""The ledger's flows run like the e2e tests: signed deliveries to the real web app, a real arq worker on real
Redis, the fake GitHub over HTTP, and a real database (the e2e fixtures, shared)."""

from __future__ import annotations

from tests.e2e.conftest import (
    anyio_backend,
    client,
    database_url,
    fake,
    fake_settings,
    pool,
    settings,
    world,
)

__all__ = ["anyio_backend", "client", "database_url", "fake", "fake_settings", "pool", "settings", "world"]
