"""Webhook deliveries are recorded once per X-GitHub-Delivery id, also when duplicates race."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.models import Delivery, DeliveryOutcome
from bot.db.store import STALE_RECEIVED, mark_delivery, record_delivery

pytestmark = pytest.mark.anyio

DELIVERY = "72d3162e-cc78-11e3-81ab-4c9367dc0958"
RECEIVED = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


async def record(session: AsyncSession, delivery_id: str = DELIVERY, **overrides: object) -> bool:
    fields: dict[str, object] = {
        "event": "pull_request",
        "action": "opened",
        "installation_id": 42,
        "outcome": DeliveryOutcome.QUEUED,
        "job_id": "review:1:7:abc",
        "received_at": RECEIVED,
    }
    fields.update(overrides)
    return await record_delivery(session, delivery_id=delivery_id, **fields)  # type: ignore[arg-type]


async def rows(sessions: async_sessionmaker[AsyncSession]) -> list[Delivery]:
    async with sessions() as session:
        return list(await session.scalars(select(Delivery).order_by(Delivery.delivery_id)))


async def test_first_delivery_is_recorded_with_its_fields(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        assert await record(session)

    [row] = await rows(sessions)
    assert (row.delivery_id, row.event, row.action, row.installation_id) == (DELIVERY, "pull_request", "opened", 42)
    assert row.outcome is DeliveryOutcome.QUEUED
    assert row.job_id == "review:1:7:abc"
    assert row.received_at == RECEIVED
    assert row.received_at.tzinfo is not None


async def test_a_redelivery_is_not_recorded_again(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        assert await record(session)
    async with sessions.begin() as session:
        assert not await record(session, action="synchronize", outcome=DeliveryOutcome.IGNORED)

    [row] = await rows(sessions)
    assert row.action == "opened"
    assert row.outcome is DeliveryOutcome.QUEUED


async def test_a_failed_delivery_is_taken_again_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        assert await record(session)
        assert await mark_delivery(session, DELIVERY, outcome=DeliveryOutcome.FAILED, reason="redis unavailable")

    async with sessions.begin() as session:
        assert await record(session, job_id="review:1:7:def")
    async with sessions.begin() as session:
        assert not await record(session)

    [row] = await rows(sessions)
    assert row.outcome is DeliveryOutcome.QUEUED
    assert row.reason is None
    assert row.job_id == "review:1:7:def"


async def test_a_delivery_is_received_until_marked(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        assert await record_delivery(
            session, delivery_id=DELIVERY, event="pull_request", action="opened", installation_id=42
        )

    [row] = await rows(sessions)
    assert row.outcome is DeliveryOutcome.RECEIVED
    assert row.job_id is None
    assert row.received_at.tzinfo is not None


async def test_a_delivery_left_received_is_taken_again_only_once_stale(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The process died between recording and queueing: a redelivery minutes later must not be lost."""
    async with sessions.begin() as session:
        assert await record(session, outcome=DeliveryOutcome.RECEIVED, job_id=None)
    async with sessions.begin() as session:
        # Seconds later the first request may still be on its way to the queue: a duplicate, then.
        assert not await record(session, received_at=RECEIVED + timedelta(seconds=5))
    async with sessions.begin() as session:
        assert await record(session, received_at=RECEIVED + STALE_RECEIVED + timedelta(seconds=1))

    [row] = await rows(sessions)
    assert row.outcome is DeliveryOutcome.QUEUED
    assert row.received_at == RECEIVED + STALE_RECEIVED + timedelta(seconds=1)


async def test_mark_delivery_sets_the_outcome(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await record(session, outcome=DeliveryOutcome.QUEUED, job_id=None)
        assert await mark_delivery(session, DELIVERY, outcome=DeliveryOutcome.QUEUED, job_id="review:1:7:abc")
        assert await mark_delivery(session, DELIVERY, outcome=DeliveryOutcome.IGNORED, reason="draft pull request")
        assert not await mark_delivery(session, "unknown-id", outcome=DeliveryOutcome.IGNORED)

    [row] = await rows(sessions)
    assert row.outcome is DeliveryOutcome.IGNORED
    assert row.reason == "draft pull request"
    assert row.job_id == "review:1:7:abc"  # kept when not given


async def test_an_uninstalled_event_has_no_installation(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        assert await record(session, event="ping", action=None, installation_id=None, outcome=DeliveryOutcome.IGNORED)

    [row] = await rows(sessions)
    assert (row.event, row.action, row.installation_id) == ("ping", None, None)


async def _wait_for_a_lock_wait(engine: AsyncEngine) -> None:
    """On PostgreSQL, wait until another session of this database is blocked on a lock (the duplicate insert)."""
    for _ in range(1000):
        async with engine.connect() as connection:
            waiting = await connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        if waiting:
            return
        await asyncio.sleep(0.01)
    pytest.fail("the second insert never waited for the first")


async def _concurrent_duplicate(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], *, first_commits: bool
) -> bool:
    """Insert the id in one open transaction, race a second insert of it, then end the first; the second's answer."""
    async with sessions() as first, sessions() as second:
        assert await record(first)
        racing = asyncio.create_task(record(second))
        if engine.dialect.name == "postgresql":
            await _wait_for_a_lock_wait(engine)
        else:
            await asyncio.sleep(0.05)  # SQLite: let the second writer reach the lock (its answer holds either way)
        await (first.commit() if first_commits else first.rollback())
        answer = await racing
        await second.commit()
    return answer


async def test_concurrent_duplicate_is_refused_after_the_first_commits(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert not await _concurrent_duplicate(engine, sessions, first_commits=True)

    assert len(await rows(sessions)) == 1


async def test_concurrent_duplicate_is_recorded_when_the_first_rolls_back(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert await _concurrent_duplicate(engine, sessions, first_commits=False)

    assert len(await rows(sessions)) == 1


async def test_many_simultaneous_duplicates_record_exactly_one(sessions: async_sessionmaker[AsyncSession]) -> None:
    async def one_webhook_request() -> bool:
        async with sessions.begin() as session:
            return await record(session)

    answers = await asyncio.gather(*(one_webhook_request() for _ in range(8)))

    assert sorted(answers) == [False] * 7 + [True]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 1
