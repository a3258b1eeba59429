"""Jobs Redis lost are queued again from the deliveries table (`bot.requeue`): real Redis, SQLite and PostgreSQL,
and a real arq worker finishing the jobs that must be left alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq import Worker
from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus
from arq.worker import func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import store
from bot.db.engine import make_engine, session_factory
from bot.db.models import DeliveryOutcome
from bot.requeue import MARGIN, LostJobs

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.services,
    pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True),
]

KEEP_RESULT = 3600.0
NOW = datetime.now(UTC)


async def noop(ctx: dict[str, Any], payload: dict[str, Any]) -> str:
    return "done"


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(database_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def queued(
    sessions: async_sessionmaker[AsyncSession],
    delivery_id: str,
    job_id: str,
    *,
    age: timedelta = timedelta(minutes=1),
    job_name: str | None = "noop",
    outcome: DeliveryOutcome = DeliveryOutcome.QUEUED,
) -> None:
    """A delivery as the webhook records it, received `age` before NOW."""
    async with sessions.begin() as session:
        await store.record_delivery(
            session,
            delivery_id=delivery_id,
            event="pull_request",
            action="synchronize",
            installation_id=1,
            received_at=NOW - age,
        )
        await store.mark_delivery(
            session, delivery_id, outcome=outcome, job_id=job_id, job_name=job_name, job_payload={"pr": delivery_id}
        )


def lost_jobs(sessions: async_sessionmaker[AsyncSession], pool: ArqRedis, queue_name: str, **options: Any) -> LostJobs:
    return LostJobs(sessions, pool, queue_name, keep_result=options.pop("keep_result", KEEP_RESULT), **options)


async def status(pool: ArqRedis, queue_name: str, job_id: str) -> JobStatus:
    return await Job(job_id, pool, _queue_name=queue_name).status()


async def test_only_the_jobs_redis_lost_are_queued_again_with_their_id_function_and_argument(
    sessions: async_sessionmaker[AsyncSession], pool: ArqRedis, queue_name: str
) -> None:
    # Finished before: a worker ran it, and its result is kept.
    await queued(sessions, "d-finished", "job-finished")
    await pool.enqueue_job("noop", {"pr": "d-finished"}, _job_id="job-finished", _queue_name=queue_name)
    worker = Worker(
        functions=[noop],
        redis_pool=pool,  # not closed here: the fixture owns it
        queue_name=queue_name,
        burst=True,
        poll_delay=0,
        handle_signals=False,
        keep_result=KEEP_RESULT,
    )
    await worker.main()
    # Waiting in the queue, and deferred (a retry's wait).
    await queued(sessions, "d-waiting", "job-waiting")
    await pool.enqueue_job("noop", {"pr": "d-waiting"}, _job_id="job-waiting", _queue_name=queue_name)
    await queued(sessions, "d-deferred", "job-deferred")
    await pool.enqueue_job("noop", {"pr": "d-deferred"}, _job_id="job-deferred", _queue_name=queue_name, _defer_by=600)
    # Lost: Redis knows none of these.
    await queued(sessions, "d-lost", "job-lost", age=timedelta(minutes=30))
    await queued(sessions, "d-lost-too", "job-lost")  # a second delivery of the same job
    await queued(sessions, "d-lost-early", "job-lost-early", age=timedelta(minutes=40))
    # Left alone: too old to tell from a finished job whose result expired, recorded before deliveries kept
    # their job, or not queued by the webhook.
    await queued(sessions, "d-old", "job-old", age=timedelta(seconds=KEEP_RESULT) - MARGIN + timedelta(minutes=1))
    await queued(sessions, "d-unknown-job", "job-unknown", job_name=None)
    await queued(sessions, "d-failed", "job-failed", outcome=DeliveryOutcome.FAILED)
    await queued(sessions, "d-ignored", "job-ignored", outcome=DeliveryOutcome.IGNORED)
    assert await status(pool, queue_name, "job-finished") is JobStatus.complete

    requeued = await lost_jobs(sessions, pool, queue_name).requeue(NOW)

    assert requeued == ["job-lost-early", "job-lost"]  # oldest first, each job once
    for job_id, delivery_id in (("job-lost-early", "d-lost-early"), ("job-lost", "d-lost")):
        info = await Job(job_id, pool, _queue_name=queue_name).info()
        assert info is not None
        assert (info.function, info.args) == ("noop", ({"pr": delivery_id},))
    assert await pool.zcard(queue_name) == 4  # waiting, deferred and the two queued again
    for job_id in ("job-old", "job-unknown", "job-failed", "job-ignored"):
        assert await status(pool, queue_name, job_id) is JobStatus.not_found
    # The next run finds them in the queue.
    assert await lost_jobs(sessions, pool, queue_name).requeue(NOW) == []


async def test_a_run_queues_at_most_its_limit_and_the_next_run_the_rest(
    sessions: async_sessionmaker[AsyncSession], pool: ArqRedis, queue_name: str
) -> None:
    for n in range(5):
        await queued(sessions, f"d-{n}", f"job-{n}", age=timedelta(minutes=10 - n))
    finder = lost_jobs(sessions, pool, queue_name, limit=3)

    assert await finder.requeue(NOW) == ["job-0", "job-1", "job-2"]
    assert await finder.requeue(NOW) == ["job-3", "job-4"]


async def test_nothing_is_queued_again_when_results_are_not_kept_past_the_margin(
    sessions: async_sessionmaker[AsyncSession], pool: ArqRedis, queue_name: str
) -> None:
    """A finished job leaves no trace then: a lost one cannot be told from it, even one stamped by a web app whose
    clock runs ahead of the worker's."""
    await queued(sessions, "d-lost", "job-lost", age=timedelta(seconds=10))
    await queued(sessions, "d-ahead", "job-ahead", age=-2 * MARGIN)
    for keep_result in (0.0, MARGIN.total_seconds()):
        assert await lost_jobs(sessions, pool, queue_name, keep_result=keep_result).requeue(NOW) == []
    assert await pool.zcard(queue_name) == 0


async def test_a_job_that_queues_another_is_queued_again_and_queues_it_again(
    sessions: async_sessionmaker[AsyncSession], pool: ArqRedis, queue_name: str
) -> None:
    """`/debtbot review` is a delivery's job that queues the review under an id of its own. A Redis that restarts
    empty loses the review and the command's result alike: the command is queued again and queues the review
    again. (A Redis that drops single keys, under an eviction policy other than `noeviction`, could lose the
    review alone: the command's result still stands, and nothing queues it again.)"""

    async def command(ctx: dict[str, Any], payload: dict[str, Any]) -> str:
        follow_up = f"review-{payload['pr']}"
        await ctx["redis"].enqueue_job("noop", payload, _job_id=follow_up, _queue_name=queue_name)
        return follow_up

    async def run_one_job() -> None:
        worker = Worker(
            functions=[func(command, name="command"), noop],
            redis_pool=pool,
            queue_name=queue_name,
            burst=True,
            max_burst_jobs=1,
            poll_delay=0,
            handle_signals=False,
            keep_result=KEEP_RESULT,
        )
        await worker.main()

    await queued(sessions, "d-command", "job-command", job_name="command")
    await pool.enqueue_job("command", {"pr": "d-command"}, _job_id="job-command", _queue_name=queue_name)
    await run_one_job()
    assert await status(pool, queue_name, "job-command") is JobStatus.complete
    assert await status(pool, queue_name, "review-d-command") is JobStatus.queued

    # Redis restarts empty (this test's keys only: the database also holds the lease that keeps other runs out).
    lost = [key async for key in pool.scan_iter("arq:*")]
    await pool.delete(queue_name, *lost)
    assert await status(pool, queue_name, "review-d-command") is JobStatus.not_found

    assert await lost_jobs(sessions, pool, queue_name).requeue(NOW) == ["job-command"]
    await run_one_job()

    assert await status(pool, queue_name, "review-d-command") is JobStatus.queued
