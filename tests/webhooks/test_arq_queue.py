"""Against a real Redis: a delivery lands in arq's queue under its deterministic id, once, and a worker runs it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq import Worker
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.jobs import Job, JobStatus
from arq.worker import func

from bot.jobs import ReviewRequest
from bot.webhooks import PATH, ArqEnqueuer
from tests.webhooks.conftest import app_with, client_for
from tests.webhooks.deliveries import example
from tests.webhooks.fakes import MemoryRecorder

pytestmark = [pytest.mark.anyio, pytest.mark.services]

REVIEW_ID = "review:186853002:2:ec26c3e57ca3a959ca5aad62de7213c562f8c821"


@pytest.fixture
async def pool(redis_url: str, queue_name: str) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=queue_name)
    try:
        yield pool
    finally:
        await pool.aclose()


async def test_a_delivery_is_queued_once_under_its_id_and_runs(
    pool: ArqRedis, queue_name: str, recorder: MemoryRecorder
) -> None:
    synchronize = example("pull_request/synchronize.payload.json")
    reopened = example("pull_request/reopened.payload.json")  # another delivery for the same head

    async with client_for(app_with(recorder, ArqEnqueuer(pool))) as client:
        first = await client.post(PATH, content=synchronize.body, headers=synchronize.headers())
        redelivered = await client.post(PATH, content=synchronize.body, headers=synchronize.headers())
        same_head = await client.post(PATH, content=reopened.body, headers=reopened.headers())

    assert first.json() == {"status": "queued", "job_id": REVIEW_ID}
    assert redelivered.json()["status"] == "duplicate"
    assert same_head.json() == {"status": "queued", "job_id": REVIEW_ID}
    assert await pool.zrange(queue_name, 0, -1) == [REVIEW_ID.encode()]
    job = Job(REVIEW_ID, pool, _queue_name=queue_name)
    assert await job.status() == JobStatus.queued
    info = await job.info()
    assert info is not None
    assert info.function == "review_pull_request"
    assert info.args[0]["delivery_id"] == synchronize.delivery_id

    received: list[ReviewRequest] = []

    async def review_pull_request(ctx: dict[str, Any], request: dict[str, Any]) -> None:
        received.append(ReviewRequest.model_validate(request))

    worker = Worker(
        functions=[func(review_pull_request, name=ReviewRequest.name)],
        redis_pool=pool,
        queue_name=queue_name,
        burst=True,
        poll_delay=0,
        handle_signals=False,
    )
    await worker.main()  # burst: returns once the queue is empty; the pool fixture closes the connection

    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    assert [(r.pr_number, r.head_sha, r.delivery_id) for r in received] == [
        (2, "ec26c3e57ca3a959ca5aad62de7213c562f8c821", synchronize.delivery_id)
    ]


async def test_enqueue_reports_a_job_already_in_hand(pool: ArqRedis, queue_name: str) -> None:
    enqueuer = ArqEnqueuer(pool)

    first = await enqueuer.enqueue("review_pull_request", {"pr_number": 1}, "review:1:1:abc")
    second = await enqueuer.enqueue("review_pull_request", {"pr_number": 1}, "review:1:1:abc")

    assert (first, second) == (True, False)
    assert await pool.zcard(queue_name) == 1
