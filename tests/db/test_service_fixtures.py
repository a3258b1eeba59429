"""The shared service fixtures of tests/conftest.py: skip locally, fail under CI, isolate every test."""

from __future__ import annotations

from typing import cast

import pytest
import redis
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.db.engine import make_engine
from tests.conftest import (
    REDIS_LEASE_KEY,
    leased_redis_database,
    run_coroutine,
    service_unavailable,
    temporary_postgres_database,
)


def test_a_missing_service_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception, match="Redis is down"):
        service_unavailable("Redis is down")


def test_a_missing_service_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception, match="Redis is down"):
        service_unavailable("Redis is down")


async def _databases(server: str) -> set[str]:
    engine = make_engine(server)
    try:
        async with engine.connect() as connection:
            names = await connection.scalars(text("SELECT datname FROM pg_database"))
            return set(names)
    finally:
        await engine.dispose()


@pytest.mark.services
def test_a_temporary_postgres_database_is_new_and_dropped_afterwards(postgres_server: str) -> None:
    with temporary_postgres_database(postgres_server) as first, temporary_postgres_database(postgres_server) as second:
        names = {make_url(first).database, make_url(second).database}
        assert len(names) == 2
        assert all(name and name.startswith("debtbot_test_") for name in names)
        assert names <= run_coroutine(_databases(postgres_server))
        assert make_url(first).host == make_url(postgres_server).host

    assert not names & run_coroutine(_databases(postgres_server))


def _keys(url: str) -> set[bytes]:
    client = redis.Redis.from_url(url)
    try:
        return set(cast(list[bytes], client.keys()))
    finally:
        client.close()


@pytest.mark.services
def test_leased_redis_databases_are_apart_and_emptied(redis_server: str) -> None:
    with leased_redis_database(redis_server) as first, leased_redis_database(redis_server) as second:
        assert first != second
        assert not first.endswith("/0")
        assert _keys(first) == {REDIS_LEASE_KEY.encode()}  # nothing left by anyone before
        client = redis.Redis.from_url(first)
        try:
            client.set("arq:job:review:1:2:abc", "x")
        finally:
            client.close()

    # Once released, another test run may lease the database at once: only what was ours is checked.
    assert b"arq:job:review:1:2:abc" not in _keys(first)


@pytest.mark.services
def test_redis_url_fixture_holds_a_lease(redis_url: str) -> None:
    assert _keys(redis_url) == {REDIS_LEASE_KEY.encode()}


def test_queue_names_are_unique_per_test(queue_name: str) -> None:
    assert queue_name.startswith("debtbot-test:")
    assert queue_name != "debtbot:queue"
