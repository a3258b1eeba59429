"""Fixtures of the fault tests: private Redis and PostgreSQL servers a test stops and starts (never the shared ones
on 6379 and 5432), the fake GitHub with a customer's repository, settings of the App on them, and the figures
each scenario reports (printed at the end of the run: `pytest tests/faults`).

A missing redis-server, initdb or pg_ctl skips the test with the reason, and fails it under CI=true.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _pytest.terminal import TerminalReporter
from pydantic import SecretStr

from bot.db.engine import upgrade
from bot.settings import Settings
from tests.conftest import service_unavailable, temporary_postgres_database
from tests.fakegithub import FakeGitHub, shared_app_key
from tests.fakegithub.keys import FAKE_APP_ID
from tests.faults.figures import FAULT_FIGURES, FIGURES, table
from tests.faults.services import PrivatePostgres, PrivateRedis, ServiceMissingError
from tests.worker.conftest import make_settings
from tests.worker.world import World


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A redis-server of this test alone, on a free port, keeping its data across `stop()` and `start()`."""
    try:
        server = PrivateRedis(tmp_path / "redis")
    except ServiceMissingError as missing:
        service_unavailable(f"no private Redis: {missing}")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this test run alone (initdb into a temporary directory), on a free port."""
    try:
        cluster = PrivatePostgres.create()
    except (ServiceMissingError, KeyError) as missing:
        service_unavailable(f"no private PostgreSQL: {missing!s}")
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@dataclass(frozen=True)
class PostgresDatabase:
    """A new database on the private cluster: its plain `postgresql://` URL, and the cluster to stop and start."""

    url: str
    cluster: PrivatePostgres


@pytest.fixture
def private_postgres(postgres_cluster: PrivatePostgres) -> Iterator[PostgresDatabase]:
    """A new database on the private cluster, running at the start of the test."""
    postgres_cluster.start()
    with temporary_postgres_database(postgres_cluster.url) as url:
        try:
            yield PostgresDatabase(url, postgres_cluster)
        finally:
            postgres_cluster.start()  # the test may have left it stopped: the database is dropped next


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(app_id=FAKE_APP_ID, public_key=shared_app_key().public_pem) as fake:
        yield fake
        fake.assert_no_violations()


@pytest.fixture
def world(fake: FakeGitHub, tmp_path: Path) -> World:
    return World.create(fake, tmp_path)


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database the web app and the worker processes share."""
    url = f"sqlite:///{tmp_path / 'data' / 'debtbot.db'}"
    await upgrade(url)
    return url


def fault_settings(fake: FakeGitHub, database_url: str, redis_url: str, data_dir: Path) -> Settings:
    """A configured App talking to `fake`, on this database and Redis, with a queue of its own."""
    return make_settings(
        fake,
        database_url,
        redis_url=SecretStr(redis_url),
        queue_name=f"debtbot-faults:{secrets.token_hex(6)}:queue",
        data_dir=data_dir,
    )


@dataclass(frozen=True)
class OnPostgres:
    """Settings on a migrated database of the private PostgreSQL cluster, and the cluster to stop and start."""

    settings: Settings
    cluster: PrivatePostgres


@pytest.fixture
async def on_postgres(
    fake: FakeGitHub, private_redis: PrivateRedis, private_postgres: PostgresDatabase, tmp_path: Path
) -> OnPostgres:
    await upgrade(private_postgres.url)
    settings = fault_settings(fake, private_postgres.url, private_redis.url, tmp_path / "data")
    return OnPostgres(settings, private_postgres.cluster)


@pytest.fixture
def settings(fake: FakeGitHub, private_redis: PrivateRedis, sqlite_url: str, tmp_path: Path) -> Settings:
    """A configured App talking to `fake`, on an SQLite file and the private Redis."""
    return fault_settings(fake, sqlite_url, private_redis.url, tmp_path / "data")


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.write_sep("-", "fault scenarios: deliveries, reviews and what GitHub holds per head")
        for line in table(FIGURES):
            terminalreporter.write_line(line)
    if FAULT_FIGURES:
        terminalreporter.write_sep("-", "GitHub faults: the waits asked between tries, and how each review ended")
        for line in table(FAULT_FIGURES):
            terminalreporter.write_line(line)
