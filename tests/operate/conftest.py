"""Fixtures of the operations tests: the fake GitHub with a customer's repository, a migrated database, real Redis,
the web app reached in-process, and the JSON log lines the service writes."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import structlog
from arq.connections import ArqRedis, RedisSettings, create_pool
from fastapi import FastAPI
from pydantic import SecretStr

from bot.app import create_app
from bot.db.engine import upgrade
from bot.logging import configure_logging
from bot.settings import Settings
from tests.fakegithub import FakeGitHub, shared_app_key
from tests.fakegithub.keys import FAKE_APP_ID
from tests.worker.conftest import make_settings
from tests.worker.world import World


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(app_id=FAKE_APP_ID, public_key=shared_app_key().public_pem) as fake:
        yield fake
        fake.assert_no_violations()


@pytest.fixture
def world(fake: FakeGitHub, tmp_path: Path) -> World:
    return World.create(fake, tmp_path)


@pytest.fixture(params=["sqlite"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database: SQLite unless the test parametrizes `database_url` with "postgresql"."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'data' / 'debtbot.db'}"
    await upgrade(url)
    return url


@pytest.fixture
def settings(fake: FakeGitHub, database_url: str, redis_url: str, queue_name: str) -> Settings:
    return make_settings(fake, database_url, redis_url=SecretStr(redis_url), queue_name=queue_name)


@pytest.fixture
async def pool(redis_url: str, queue_name: str) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=queue_name)
    try:
        yield pool
    finally:
        await pool.aclose()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The web app with its lifespan run (database and Redis pool open), reached in-process."""
    app: FastAPI = create_app(settings, env_file=Path("/nonexistent/.env"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://debtbot.test") as client,
    ):
        yield client


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Everything logged during the test, as the service writes it (JSON lines, redacted)."""
    stream = io.StringIO()
    handler = configure_logging("DEBUG", stream=stream)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)
        structlog.reset_defaults()
