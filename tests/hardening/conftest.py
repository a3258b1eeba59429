"""The end-to-end world (fake GitHub, web app, Redis queue, arq worker, database) of tests/e2e, for the security
tests here; and settings from each test alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from arq.connections import ArqRedis

from bot.app import create_app
from tests.app.conftest import configured_settings, no_outside_settings, serving
from tests.e2e.conftest import anyio_backend, client, database_url, fake, fake_settings, pool, settings, world
from tests.hardening.webapp import App

__all__ = [
    "anyio_backend",
    "client",
    "database_url",
    "fake",
    "fake_settings",
    "no_outside_settings",
    "pool",
    "settings",
    "world",
]


@pytest.fixture
async def app(database_url: str, redis_url: str, queue_name: str, pool: ArqRedis, tmp_path: Path) -> AsyncIterator[App]:
    """The web app alone (no worker), configured with the webhook examples' app id and secret."""
    settings = configured_settings(tmp_path / "data", database_url, redis_url, queue_name=queue_name)
    async with serving(create_app(settings)) as client:
        yield App(client, database_url, pool, queue_name)
