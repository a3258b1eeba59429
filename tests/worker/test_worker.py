"""The worker's start-up and settings: a real SQLite database, the settings a deployment gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from arq.connections import RedisSettings
from pydantic import SecretStr

from bot.db.engine import upgrade
from bot.settings import Settings, SettingsError
from bot.worker import SchemaOutdatedError, startup, worker_kwargs, worker_settings
from bot.worker_context import DEPS, OPTIONS, SETTINGS, WorkerOptions
from tests.fakegithub import FakeGitHub
from tests.worker.conftest import TEST_OPTIONS, make_settings

pytest_plugins = ["tests.fakegithub.plugin"]
pytestmark = pytest.mark.anyio


async def test_the_worker_refuses_a_database_not_at_this_versions_schema(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    ctx: dict[str, Any] = {SETTINGS: make_settings(fake_github, f"sqlite:///{tmp_path / 'empty.db'}")}

    with pytest.raises(SchemaOutdatedError, match="debtbot migrate"):
        await startup(ctx)

    assert DEPS not in ctx


async def test_a_worker_without_the_apps_credentials_refuses_to_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'debtbot.db'}"
    await upgrade(url)
    ctx: dict[str, Any] = {SETTINGS: Settings(_env_file=None, database_url=SecretStr(url)), OPTIONS: TEST_OPTIONS}

    with pytest.raises(SettingsError, match="DEBTBOT_APP_ID, DEBTBOT_PRIVATE_KEY and DEBTBOT_WEBHOOK_SECRET"):
        await startup(ctx)

    assert DEPS not in ctx


def test_worker_settings_come_from_the_settings(fake_github: FakeGitHub, tmp_path: Path) -> None:
    settings = make_settings(
        fake_github,
        f"sqlite:///{tmp_path / 'debtbot.db'}",
        redis_url=SecretStr("redis://:pw@redis.internal:6380/3"),
        queue_name="debtbot:prod",
    )
    options = WorkerOptions(max_tries=5, job_timeout=300)

    cls = worker_settings(settings, options)
    kwargs = worker_kwargs(settings, options)

    assert cls.queue_name == "debtbot:prod"  # type: ignore[attr-defined]
    redis: RedisSettings = cls.redis_settings  # type: ignore[attr-defined]
    assert (redis.host, redis.port, redis.database, redis.password) == ("redis.internal", 6380, 3, "pw")
    # One spare call past the jobs' own five tries, for a last try cut off by a shutdown.
    assert (kwargs["max_tries"], kwargs["job_timeout"]) == (6, 300)
    assert {f.max_tries for f in kwargs["functions"]} == {6}
    assert kwargs["ctx"] == {SETTINGS: settings, OPTIONS: options}


def test_a_retry_waits_no_longer_than_the_options_allow() -> None:
    assert WorkerOptions().defer(60) == 60
    assert WorkerOptions(max_retry_defer=0.5).defer(60) == 0.5
    assert WorkerOptions(job_timeout=600).review_deadline == 570
