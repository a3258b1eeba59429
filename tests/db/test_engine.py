"""The engine: URLs as users write them, SQLite behaving like PostgreSQL where it matters, aware timestamps."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import make_engine
from bot.db.models import DeliveryOutcome
from bot.db.store import record_delivery

pytestmark = pytest.mark.anyio


async def test_sqlite_file_and_its_directory_are_created_with_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "debtbot.db"
    engine = make_engine(SecretStr(f"sqlite:///{path}"))
    try:
        assert engine.url.drivername == "sqlite+aiosqlite"
        async with engine.connect() as connection:
            foreign_keys = await connection.scalar(text("PRAGMA foreign_keys"))
            journal_mode = await connection.scalar(text("PRAGMA journal_mode"))
    finally:
        await engine.dispose()

    assert path.is_file()
    assert foreign_keys == 1
    assert journal_mode == "wal"


@pytest.mark.services
async def test_plain_postgresql_url_reaches_the_database_through_asyncpg(postgres_url: str) -> None:
    assert postgres_url.startswith("postgresql://")
    engine = make_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT current_database()")) == postgres_url.rsplit("/", 1)[1]
    finally:
        await engine.dispose()
    assert engine.url.drivername == "postgresql+asyncpg"


async def test_naive_timestamps_are_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    """A naive datetime would be read back as UTC on one database and local time on the other."""
    async with sessions() as session:
        with pytest.raises(StatementError, match="naive datetime"):
            await record_delivery(
                session,
                delivery_id="d",
                event="ping",
                action=None,
                installation_id=None,
                outcome=DeliveryOutcome.IGNORED,
                received_at=datetime(2026, 11, 26, 9, 0),
            )
