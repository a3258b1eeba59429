"""Liveness, readiness and start-up: real SQLite files and a real Redis (or a port nothing listens on)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import SCHEMA_OUT_OF_DATE, StartupError, create_app
from bot.db.engine import downgrade
from tests.app.conftest import configured_settings, serving

pytestmark = pytest.mark.anyio


async def test_healthz_answers_without_any_dependency(
    data_dir: Path, migrated_database_url: str, closed_port: int
) -> None:
    app = create_app(configured_settings(data_dir, migrated_database_url, f"redis://127.0.0.1:{closed_port}/0"))

    async with serving(app) as client:
        response = await client.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_is_ready_with_the_database_and_redis_up(
    data_dir: Path, migrated_database_url: str, redis_url: str, queue_name: str
) -> None:
    app = create_app(configured_settings(data_dir, migrated_database_url, redis_url, queue_name=queue_name))

    async with serving(app) as client:
        response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


async def test_readyz_names_redis_when_it_is_unreachable(
    data_dir: Path, migrated_database_url: str, closed_port: int
) -> None:
    app = create_app(configured_settings(data_dir, migrated_database_url, f"redis://127.0.0.1:{closed_port}/0"))

    async with serving(app) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["redis"].startswith("unreachable")


async def test_readyz_names_the_database_when_its_schema_is_gone(
    data_dir: Path, migrated_database_url: str, redis_url: str
) -> None:
    app = create_app(configured_settings(data_dir, migrated_database_url, redis_url))

    async with serving(app) as client:
        before = await client.get("/readyz")
        await downgrade(migrated_database_url, "base")  # every table dropped under the running app
        after = await client.get("/readyz")

    assert before.status_code == 200
    assert after.status_code == 503
    assert after.json()["checks"] == {"database": SCHEMA_OUT_OF_DATE, "redis": "ok"}


async def test_the_app_refuses_to_start_on_a_database_that_is_not_migrated(
    data_dir: Path, database_url: str, closed_port: int
) -> None:
    app = create_app(configured_settings(data_dir, database_url, f"redis://127.0.0.1:{closed_port}/0"))

    with pytest.raises(StartupError, match="database schema is out of date: run `debtbot migrate`"):
        async with serving(app):
            pass


async def test_the_app_refuses_to_start_after_its_schema_was_rolled_back(
    data_dir: Path, migrated_database_url: str, closed_port: int
) -> None:
    await downgrade(migrated_database_url, "base")
    app = create_app(configured_settings(data_dir, migrated_database_url, f"redis://127.0.0.1:{closed_port}/0"))

    with pytest.raises(StartupError, match=r"run `debtbot migrate`"):
        async with serving(app):
            pass


async def test_the_app_needs_a_redis_url_when_served_without_the_cli(
    data_dir: Path, migrated_database_url: str
) -> None:
    app = create_app(configured_settings(data_dir, migrated_database_url, None))

    with pytest.raises(StartupError, match="DEBTBOT_REDIS_URL"):
        async with serving(app):
            pass
