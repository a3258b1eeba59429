"""The weekly report in a real arq worker on real Redis: an hourly cron job, run at start when a report may be due."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq import Worker
from arq.connections import ArqRedis, RedisSettings, create_pool
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.models import WeeklyReport, utcnow
from bot.ledger.weekly import CRON_NAME, RECHECK, deliver_due_reports, latest_due, weekly_reports
from bot.settings import Settings
from bot.worker import shutdown, startup, worker_kwargs
from bot.worker_context import DEPS, OPTIONS, REDIS, SETTINGS, WorkerDeps
from checks.config import WeeklySummary as Schedule
from tests.e2e.conftest import burst_worker_kwargs
from tests.fakegithub import FakeGitHub
from tests.ledger.test_weekly import CONFIG, REPO, install, weeks_in
from tests.worker.conftest import TEST_OPTIONS, make_settings

pytest_plugins = ["tests.fakegithub.plugin"]
pytestmark = [pytest.mark.anyio, pytest.mark.services]

OPTIONS_ = dataclasses.replace(TEST_OPTIONS, max_retry_defer=0.05)


@pytest.fixture
def settings(
    fake_github: FakeGitHub, engine: AsyncEngine, database_url: str, redis_url: str, queue_name: str
) -> Settings:
    return make_settings(fake_github, database_url, redis_url=SecretStr(redis_url), queue_name=queue_name)


@pytest.fixture
async def pool(redis_url: str, queue_name: str) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=queue_name)
    try:
        yield pool
    finally:
        await pool.aclose()


async def start_worker(settings: Settings, pool: ArqRedis) -> Worker:
    """A real arq worker, as `debtbot worker` builds it, in burst mode: it stops once its queue is empty."""
    worker = Worker(**burst_worker_kwargs(settings, pool, OPTIONS_))
    try:
        await worker.main()
    finally:
        await shutdown(worker.ctx)
    return worker


def repository_requests(fake: FakeGitHub) -> list[str]:
    """What was asked of repositories (a worker also reads the App's delivery log at start: `bot.redelivery`)."""
    return [f"{r.method} {r.path}" for r in fake.requests if r.path.startswith("/repos/")]


async def test_the_report_job_is_registered_to_run_every_hour(settings: Settings) -> None:
    (job,) = [c for c in worker_kwargs(settings, OPTIONS_)["cron_jobs"] if c.name == CRON_NAME]

    assert (job.hour, job.minute, job.second, job.weekday) == (None, 0, 0, None)
    assert job.max_tries == 1  # the next hour is the retry
    job.calculate_next(datetime(2026, 11, 9, 9, 30, tzinfo=UTC))
    assert job.next_run is not None
    assert (job.next_run.hour, job.next_run.minute) == (10, 0)


async def test_a_worker_start_delivers_the_weeks_missed_while_none_ran(
    fake_github: FakeGitHub, settings: Settings, pool: ArqRedis, sessions: async_sessionmaker[AsyncSession]
) -> None:
    repo_id = await install(fake_github, sessions, known_since=utcnow() - timedelta(weeks=20))
    latest = latest_due(utcnow(), Schedule(), UTC)
    async with sessions.begin() as session:
        # The last report a worker posted, three weeks before the latest due.
        session.add(WeeklyReport(repo_id=repo_id, week=str(latest - 3), body="...", comment_id=1, posted_at=utcnow()))

    started = await start_worker(settings, pool)

    assert (started.jobs_complete, started.jobs_failed) == (1, 0)
    (issue,) = fake_github.issues(REPO)
    assert weeks_in(fake_github.comments(REPO, issue.number)) == [str(latest - 2), str(latest - 1), str(latest)]
    assert issue.body is not None
    assert f"## Debt report: {latest}" in issue.body

    asked = len(repository_requests(fake_github))
    again = await start_worker(settings, pool)

    assert again.jobs_complete == 0  # nothing due: nothing queued at start
    assert len(repository_requests(fake_github)) == asked


async def test_a_worker_start_with_nothing_due_runs_no_job(
    fake_github: FakeGitHub, settings: Settings, pool: ArqRedis, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await install(fake_github, sessions, known_since=utcnow() - timedelta(minutes=5))  # no full week yet

    started = await start_worker(settings, pool)

    assert (started.jobs_complete, started.jobs_failed) == (0, 0)
    assert repository_requests(fake_github) == []


@pytest.fixture
async def ctx(settings: Settings, pool: ArqRedis) -> AsyncIterator[dict[str, Any]]:
    """arq's context of a worker on Redis, after start-up."""
    context: dict[str, Any] = {SETTINGS: settings, OPTIONS: OPTIONS_, REDIS: pool}
    await startup(context)
    try:
        yield context
    finally:
        await shutdown(context)


async def test_one_run_at_a_time_across_workers(
    fake_github: FakeGitHub, ctx: dict[str, Any], pool: ArqRedis, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await install(fake_github, sessions, known_since=utcnow() - timedelta(weeks=20))
    lock = f"{ctx[SETTINGS].queue_name}:{CRON_NAME}:lock"
    await pool.set(lock, "another worker's run", px=60_000)

    busy = await weekly_reports(ctx)
    await pool.delete(lock)
    done = await weekly_reports(ctx)

    assert (busy, done) == ("ignored", "success")
    assert len(fake_github.issues(REPO)) == 1
    assert await pool.get(lock) is None  # released


async def test_a_switched_off_repository_is_not_asked_every_hour(
    fake_github: FakeGitHub, ctx: dict[str, Any], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await install(
        fake_github,
        sessions,
        files={CONFIG: "summary: {enabled: false}\n"},
        known_since=utcnow() - timedelta(weeks=20),
    )
    deps: WorkerDeps = ctx[DEPS]
    now = utcnow()

    runs = [await deliver_due_reports(deps, now + timedelta(hours=h)) for h in range(4)]

    reads = [r for r in fake_github.requests if r.path.endswith("/contents/.github/debtbot.yml")]
    assert [t.repositories for t in runs] == [1, 0, 0, 0]
    assert len(reads) == 1
    assert fake_github.issues(REPO) == []
    (key,) = [k async for k in ctx[REDIS].scan_iter(match=f"*:{CRON_NAME}:rest:*")]
    assert 0 < await ctx[REDIS].pttl(key) <= RECHECK.total_seconds() * 1000  # asked again within six hours
