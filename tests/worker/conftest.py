"""Fixtures of the worker tests: the fake GitHub with a customer's repository, settings pointing at it, a migrated
SQLite database, and the worker's context made by its own start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.db.engine import upgrade
from bot.github import ShortRetry
from bot.settings import Settings
from bot.worker import shutdown, startup
from bot.worker_context import JOB_ID, JOB_TRY, OPTIONS, SETTINGS, WorkerOptions
from tests.fakegithub import FakeGitHub, shared_app_key
from tests.fakegithub.keys import FAKE_APP_ID
from tests.worker.world import World

WEBHOOK_SECRET = "a webhook secret for the tests"
#: Short waits everywhere: no pause between writes, retries after hundredths of a second.
TEST_OPTIONS = WorkerOptions(
    max_tries=3,
    job_timeout=60.0,
    max_retry_defer=0.01,
    write_interval=0.0,
    github_timeout=10.0,
    github_retry=ShortRetry(server_error_wait=0.01),
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def make_settings(fake: FakeGitHub, database_url: str, **overrides: Any) -> Settings:
    """Settings of a configured App talking to `fake`, whatever DEBTBOT_* the environment holds."""
    values: dict[str, Any] = {
        "app_id": FAKE_APP_ID,
        "private_key_text": SecretStr(shared_app_key().private_pem),
        "webhook_secret": SecretStr(WEBHOOK_SECRET),
        "github_api_url": fake.url,
        "github_url": "https://github.example",
        "database_url": SecretStr(database_url),
        **overrides,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture
def world(fake_github: FakeGitHub, tmp_path: Path) -> World:
    return World.create(fake_github, tmp_path)


@pytest.fixture
async def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'data' / 'debtbot.db'}"
    await upgrade(url)
    return url


@pytest.fixture
def settings(fake_github: FakeGitHub, database_url: str) -> Settings:
    return make_settings(fake_github, database_url)


@pytest.fixture
async def worker_ctx(settings: Settings) -> AsyncIterator[dict[str, Any]]:
    """arq's worker context after `bot.worker.startup` (no Redis: jobs that queue others get one of their own)."""
    ctx: dict[str, Any] = {SETTINGS: settings, OPTIONS: TEST_OPTIONS}
    await startup(ctx)
    try:
        yield ctx
    finally:
        await shutdown(ctx)


def job_ctx(worker_ctx: dict[str, Any], job_id: str, job_try: int = 1) -> dict[str, Any]:
    """The context arq gives one try of one job."""
    return {**worker_ctx, JOB_ID: job_id, JOB_TRY: job_try}
