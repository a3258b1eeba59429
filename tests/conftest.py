"""Shared fixtures for tests that need a real service: a fresh PostgreSQL database, a private Redis database.

Services are found at 127.0.0.1 unless TEST_POSTGRES_URL (a maintenance connection, e.g.
postgresql://postgres@127.0.0.1:5432/test) or TEST_REDIS_URL (e.g. redis://127.0.0.1:6379) say otherwise.
When a service is down the test is skipped with the reason, except under CI=true, where it fails:
CI must never pass by skipping.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import secrets
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
import structlog
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.logging import configure_logging

POSTGRES_ENV = "TEST_POSTGRES_URL"
#: Trust authentication on the local server; the role is `postgres` or the login user's (root).
POSTGRES_CANDIDATES = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)
REDIS_ENV = "TEST_REDIS_URL"
DEFAULT_REDIS = "redis://127.0.0.1:6379"
CONNECT_TIMEOUT_SECONDS = 5

#: Every test holding `redis_url` owns one Redis logical database, claimed by this key. A key prefix alone
#: would not do: arq names its job keys `arq:job:<id>` whatever the queue, and job ids are deterministic.
REDIS_LEASE_KEY = "debtbot-test:lease"
#: A run that crashed keeps its database at most this long.
REDIS_LEASE_SECONDS = 3600
#: Database 0 is left to whatever else uses this server.
FIRST_REDIS_DB = 1
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

_T = TypeVar("_T")


#: Tests that use any of these are marked `services` (`pytest -m "not services"` leaves them out).
SERVICE_FIXTURES = frozenset({"postgres_server", "postgres_url", "redis_server", "redis_url"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVICE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.services)


def service_unavailable(message: str) -> NoReturn:
    """Skip the test with the reason, or fail it under CI=true."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: a missing service fails the run)", pytrace=False)
    pytest.skip(message)


def run_coroutine(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine to completion from synchronous code, on a loop of its own in another thread.

    So that the fixtures below work the same for synchronous tests and for async ones whose loop is running.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# --- PostgreSQL -----------------------------------------------------------------------------------------------------


async def _postgres_execute(url: str, sql: str) -> None:
    """One statement outside a transaction (CREATE DATABASE refuses to run inside one)."""
    async_url = make_url(url).set(drivername="postgresql+asyncpg")
    engine = create_async_engine(
        async_url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"timeout": CONNECT_TIMEOUT_SECONDS}
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """A maintenance connection URL (plain `postgresql://`) of a server where this role may create databases."""
    configured = os.environ.get(POSTGRES_ENV)
    errors = []
    for url in (configured,) if configured else POSTGRES_CANDIDATES:
        try:
            run_coroutine(_postgres_execute(url, "SELECT 1"))
        except (OSError, DBAPIError, TimeoutError) as exc:
            errors.append(f"{make_url(url).render_as_string(hide_password=True)}: {exc}")
        else:
            return url
    service_unavailable(f"PostgreSQL is not reachable ({'; '.join(errors)}); set {POSTGRES_ENV}")


@contextmanager
def temporary_postgres_database(server: str) -> Iterator[str]:
    """A new, empty database on the server (plain `postgresql://` URL), dropped on leaving."""
    name = f"debtbot_test_{secrets.token_hex(6)}"
    run_coroutine(_postgres_execute(server, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        # FORCE: a pool the test did not dispose of must not keep the database alive.
        run_coroutine(_postgres_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A new, empty database for this test alone (plain `postgresql://` URL), dropped afterwards."""
    with temporary_postgres_database(postgres_server) as url:
        yield url


# --- Redis ----------------------------------------------------------------------------------------------------------


def _with_db(url: str, db: int | None) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "" if db is None else f"/{db}", parts.query, ""))


def _redis_databases(client: redis.Redis) -> int:
    try:
        config = cast(dict[str, str], client.config_get("databases"))
        return int(config["databases"])
    except (redis.ResponseError, KeyError, ValueError):
        return 16  # CONFIG is often disabled on managed servers; 16 is Redis's default


@pytest.fixture(scope="session")
def redis_server() -> str:
    """The Redis server's URL, without a database number."""
    url = os.environ.get(REDIS_ENV, DEFAULT_REDIS)
    client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        client.ping()
    except redis.RedisError as exc:
        service_unavailable(f"Redis is not reachable at {url} ({exc}); set {REDIS_ENV}")
    finally:
        client.close()
    return _with_db(url, None)


def _empty_but_lease(client: redis.Redis) -> None:
    keys = [key for key in client.scan_iter(count=1000) if key != REDIS_LEASE_KEY.encode()]
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


@contextmanager
def leased_redis_database(server: str) -> Iterator[str]:
    """`redis://host:port/N`: a logical database held by this lease alone, empty on entering and on leaving."""
    token = secrets.token_hex(8)
    probe = redis.Redis.from_url(server)
    try:
        databases = _redis_databases(probe)
    finally:
        probe.close()
    for db in range(FIRST_REDIS_DB, databases):
        client = redis.Redis.from_url(_with_db(server, db))
        if client.set(REDIS_LEASE_KEY, token, nx=True, ex=REDIS_LEASE_SECONDS):
            break
        client.close()
    else:
        pytest.fail(f"every Redis database from {FIRST_REDIS_DB} to {databases - 1} is leased by other test runs")
    try:
        _empty_but_lease(client)
        yield _with_db(server, db)
    finally:
        _empty_but_lease(client)
        client.eval(_RELEASE, 1, REDIS_LEASE_KEY, token)
        client.close()


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """`redis://host:port/N`: a logical database this test has to itself, empty at the start, emptied after.

    Leave the key `debtbot-test:lease` alone (no FLUSHDB): it is what keeps other test runs out.
    """
    with leased_redis_database(redis_server) as url:
        yield url


@pytest.fixture
def queue_name() -> str:
    """A queue name no other test uses (give it to Settings.queue_name / arq's `queue_name`)."""
    return f"debtbot-test:{secrets.token_hex(6)}:queue"


# --- logs -----------------------------------------------------------------------------------------------------------


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
