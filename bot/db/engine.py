"""Engines, sessions and the schema's version: open the database, migrate it, tell whether it is up to date."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import SecretStr
from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from bot.settings import async_database_url

MIGRATIONS = Path(__file__).parent / "migrations"
#: How long an SQLite writer waits for another's lock (the web app and the worker share the file).
SQLITE_BUSY_SECONDS = 15.0

_Step = Callable[[Config, str], None]


def make_engine(url: str | SecretStr, *, echo: bool = False) -> AsyncEngine:
    """An async engine for a PostgreSQL or SQLite URL (plain `postgresql://` and `sqlite://` are accepted).

    SQLite gets foreign keys enforced, as PostgreSQL does, write-ahead logging, and one pooled
    connection per process (its writes are serialized anyway). The directory of an SQLite file is created if missing.
    """
    raw = url.get_secret_value() if isinstance(url, SecretStr) else url
    normalised = async_database_url(raw)
    parsed = make_url(normalised)
    if parsed.get_backend_name() != "sqlite":
        # A connection dropped by the server (restart, idle timeout) is replaced, not handed out.
        return create_async_engine(normalised, echo=echo, pool_pre_ping=True)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # One connection: SQLite has a single write lock, and a pool of writers queued on it for its busy
    # timeout stalled the webhook past GitHub's 10 s (bench.webhooks at 16 deliveries in flight).
    engine = create_async_engine(
        normalised,
        echo=echo,
        connect_args={"timeout": SQLITE_BUSY_SECONDS},
        pool_size=1,
        max_overflow=0,
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (async code cannot lazy-load an expired attribute)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    """The migrations' configuration without an ini file, so running them never touches the app's logging."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revisions() -> frozenset[str]:
    """The revisions this code expects the database to be at."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def database_revisions(engine: AsyncEngine) -> frozenset[str]:
    """The revisions the database is at: empty before the first migration."""
    async with engine.connect() as connection:
        return await connection.run_sync(_current_heads)


def _current_heads(connection: Connection) -> frozenset[str]:
    return frozenset(MigrationContext.configure(connection).get_current_heads())


async def schema_is_current(engine: AsyncEngine) -> bool:
    """True when the database is migrated to exactly this code's head (the web app and worker refuse otherwise)."""
    return await database_revisions(engine) == head_revisions()


async def upgrade(url: str | SecretStr, revision: str = "head") -> None:
    """Migrate the database up to `revision` (all the way by default), in one transaction where the database allows."""
    await _migrate(url, command.upgrade, revision)


async def downgrade(url: str | SecretStr, revision: str) -> None:
    """Migrate the database down to `revision` ("base" empties it of every table)."""
    await _migrate(url, command.downgrade, revision)


async def _migrate(url: str | SecretStr, step: _Step, revision: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run_step, step, revision)
    finally:
        await engine.dispose()


def _run_step(connection: Connection, step: _Step, revision: str) -> None:
    config = alembic_config()
    # env.py migrates on this connection instead of opening its own (and its own event loop).
    config.attributes["connection"] = connection
    step(config, revision)
