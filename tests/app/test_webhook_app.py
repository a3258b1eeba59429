"""A signed delivery through the whole app, with the database's delivery log on SQLite and arq's queue on Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.jobs import Job, JobStatus
from sqlalchemy import select

from bot.app import create_app
from bot.db.engine import make_engine, session_factory
from bot.db.models import Delivery, DeliveryOutcome
from bot.settings import Settings
from bot.webhooks import PATH
from tests.app.conftest import configured_settings, serving
from tests.webhooks.deliveries import example

pytestmark = pytest.mark.anyio

SYNCHRONIZE = "pull_request/synchronize.payload.json"
REVIEW_ID = "review:186853002:2:ec26c3e57ca3a959ca5aad62de7213c562f8c821"


@pytest.fixture
async def pool(redis_url: str, queue_name: str) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=queue_name)
    try:
        yield pool
    finally:
        await pool.aclose()


async def delivery_row(database_url: str, delivery_id: str) -> Delivery | None:
    engine = make_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return await session.scalar(select(Delivery).where(Delivery.delivery_id == delivery_id))
    finally:
        await engine.dispose()


async def test_a_signed_delivery_is_queued_and_its_redelivery_is_a_duplicate(
    data_dir: Path, migrated_database_url: str, redis_url: str, queue_name: str, pool: ArqRedis
) -> None:
    delivery = example(SYNCHRONIZE)
    app = create_app(configured_settings(data_dir, migrated_database_url, redis_url, queue_name=queue_name))

    async with serving(app) as client:
        first = await client.post(PATH, content=delivery.body, headers=delivery.headers())
        again = await client.post(PATH, content=delivery.body, headers=delivery.headers())

    assert (first.status_code, first.json()) == (202, {"status": "queued", "job_id": REVIEW_ID})
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert await pool.zrange(queue_name, 0, -1) == [REVIEW_ID.encode()]
    assert await Job(REVIEW_ID, pool, _queue_name=queue_name).status() == JobStatus.queued
    row = await delivery_row(migrated_database_url, delivery.delivery_id)
    assert row is not None
    assert (row.event, row.action, row.outcome, row.job_id) == (
        "pull_request",
        "synchronize",
        DeliveryOutcome.QUEUED,
        REVIEW_ID,
    )
    # What `bot.requeue` would queue again if Redis lost the job: the very job Redis holds.
    queued = await Job(REVIEW_ID, pool, _queue_name=queue_name).info()
    assert queued is not None
    assert (row.job_name, [row.job_payload]) == (queued.function, list(queued.args))


@pytest.fixture
def redis_down(data_dir: Path, migrated_database_url: str, closed_port: int) -> Settings:
    return configured_settings(data_dir, migrated_database_url, f"redis://127.0.0.1:{closed_port}/0")


@pytest.fixture
def redis_up(data_dir: Path, migrated_database_url: str, redis_url: str, queue_name: str) -> Settings:
    return configured_settings(data_dir, migrated_database_url, redis_url, queue_name=queue_name)


async def test_a_delivery_refused_while_redis_was_down_is_taken_when_redelivered(
    redis_down: Settings, redis_up: Settings, migrated_database_url: str, queue_name: str, pool: ArqRedis
) -> None:
    delivery = example(SYNCHRONIZE)
    down = create_app(redis_down)
    up = create_app(redis_up)

    async with serving(down) as client:
        refused = await client.post(PATH, content=delivery.body, headers=delivery.headers())
    failed = await delivery_row(migrated_database_url, delivery.delivery_id)
    async with serving(up) as client:
        redelivered = await client.post(PATH, content=delivery.body, headers=delivery.headers())

    assert refused.status_code == 503
    assert failed is not None
    assert failed.outcome == DeliveryOutcome.FAILED
    assert (redelivered.status_code, redelivered.json()["status"]) == (202, "queued")
    assert await pool.zrange(queue_name, 0, -1) == [REVIEW_ID.encode()]


async def test_a_delivery_with_a_wrong_signature_is_refused_and_not_recorded(
    data_dir: Path, migrated_database_url: str, redis_url: str, queue_name: str, pool: ArqRedis
) -> None:
    delivery = example(SYNCHRONIZE)
    app = create_app(configured_settings(data_dir, migrated_database_url, redis_url, queue_name=queue_name))

    async with serving(app) as client:
        response = await client.post(PATH, content=delivery.body, headers=delivery.headers(secret="not the secret"))

    assert response.status_code == 401
    assert await delivery_row(migrated_database_url, delivery.delivery_id) is None
    assert await pool.zcard(queue_name) == 0
