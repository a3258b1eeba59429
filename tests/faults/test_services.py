"""The private servers the fault tests stop and start: they keep their port and their data, and a missing binary
is named (the fixtures then skip, or fail under CI=true)."""

from __future__ import annotations

import asyncio

import pytest
import redis
from sqlalchemy import text

from bot.db.engine import make_engine
from tests.faults.conftest import PostgresDatabase
from tests.faults.services import PrivateRedis, ServiceMissingError, postgres_bin, redis_binary

pytestmark = [pytest.mark.anyio, pytest.mark.services]


def test_redis_keeps_its_port_and_data_across_a_restart(private_redis: PrivateRedis) -> None:
    client = redis.Redis.from_url(private_redis.url)
    try:
        client.set("kept", "yes")
        port = private_redis.port
        private_redis.stop()
        with pytest.raises(redis.ConnectionError):
            client.ping()
        private_redis.start()
        assert (private_redis.port, client.get("kept")) == (port, b"yes")
    finally:
        client.close()


async def test_postgres_keeps_its_port_and_data_across_a_restart(private_postgres: PostgresDatabase) -> None:
    cluster = private_postgres.cluster
    engine = make_engine(private_postgres.url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE kept (value text)"))
            await connection.execute(text("INSERT INTO kept VALUES ('yes')"))
        port = cluster.port
        await asyncio.to_thread(cluster.stop, "immediate")
        stopped = cluster.running
        await asyncio.to_thread(cluster.start)
        async with engine.connect() as connection:
            value = await connection.scalar(text("SELECT value FROM kept"))
    finally:
        await engine.dispose()

    assert (stopped, cluster.running, cluster.port, value) == (False, True, port, "yes")


def test_a_missing_redis_server_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")

    with pytest.raises(ServiceMissingError, match="redis-server is not on PATH"):
        redis_binary()


def test_missing_postgresql_binaries_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tests.faults.services._POSTGRES_BIN_GLOB", "/nonexistent/*/bin")
    monkeypatch.setenv("PATH", "/nonexistent")

    with pytest.raises(ServiceMissingError, match="no initdb and pg_ctl"):
        postgres_bin()
