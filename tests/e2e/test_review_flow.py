"""A pull request's life through the whole service: a signed delivery, the queue, the worker, GitHub, the database.

Every test runs a real arq worker in burst mode against real Redis; the fake GitHub fails the test on any
request GitHub would refuse.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis, RedisSettings
from arq.worker import async_check_health
from sqlalchemy import select

from bot.db.engine import make_engine, session_factory
from bot.db.models import Delivery, DeliveryOutcome, ReviewRun, RunStatus
from bot.settings import Settings
from tests.e2e.conftest import deliver, drain, pull_request_delivery
from tests.fakegithub import DiffLimits, FakeGitHub
from tests.fakegithub import Settings as FakeSettings
from tests.worker.world import DEBT_ANCHORED, DEBT_FILES, DEBT_RULES, REPO, World

pytestmark = [pytest.mark.anyio, pytest.mark.services]

CONFIG = ".github/debtbot.yml"
PULL = r"/repos/octo-org/widgets/pulls/7$"


def rules_of(annotations: list[dict[str, Any]]) -> set[str]:
    return {a["title"].split()[0] for a in annotations}


def comment_rules(comments: list[dict[str, Any]]) -> set[str]:
    return {c["body"].split("**")[3] for c in comments}


async def review_runs(settings: Settings) -> list[ReviewRun]:
    engine = make_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return list(await session.scalars(select(ReviewRun).order_by(ReviewRun.id)))
    finally:
        await engine.dispose()


# (a) -----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite", pytest.param("postgresql", id="postgresql")], indirect=True)
async def test_a_pull_request_that_adds_debt_gets_a_failing_check_run_and_comments(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    pull = world.open_pull(7, DEBT_FILES)
    opened = pull_request_delivery(world, 7)

    answer = await deliver(client, opened)
    worker = await drain(settings, pool)

    assert answer["status"] == "queued"
    assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (1, 0, 0)
    (check,) = fake.check_runs(head_sha=pull.head_sha)
    assert (check.name, check.status, check.conclusion) == ("debtbot", "completed", "failure")
    assert rules_of(check.annotations) == DEBT_RULES
    by_rule = {a["title"].split()[0]: a for a in check.annotations}
    assert (by_rule["DEP001"]["path"], by_rule["DEP001"]["start_line"]) == ("requirements.txt", 3)
    assert (by_rule["MODEL001"]["path"], by_rule["MODEL001"]["start_line"]) == ("models/model.pkl", 1)
    (review,) = fake.reviews(REPO, 7)
    assert comment_rules(review.comments) == DEBT_ANCHORED
    lines = {(c["path"], c["line"]) for c in review.comments}
    assert ("requirements.txt", 3) in lines
    assert ("train.py", 6) in lines  # the TODO
    assert ("train.py", 7) in lines  # trust_remote_code=True
    (run,) = await review_runs(settings)
    assert (run.status, run.conclusion, run.check_run_id) == (RunStatus.COMPLETED, "failure", check.id)
    engine = make_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            recorded = await session.get(Delivery, opened.delivery_id)
    finally:
        await engine.dispose()
    assert recorded is not None
    assert (recorded.outcome, recorded.job_id) == (DeliveryOutcome.QUEUED, answer["job_id"])


# (b) -----------------------------------------------------------------------------------------------------------------


async def test_a_redelivery_or_another_event_for_the_same_head_adds_nothing(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    world.open_pull(7, DEBT_FILES)
    opened = pull_request_delivery(world, 7)
    ready = pull_request_delivery(world, 7, "ready_for_review")

    first = await deliver(client, opened)
    again = await deliver(client, opened)
    await drain(settings, pool)
    later = await deliver(client, ready)  # the same head: arq still holds the finished job's id
    redelivered = await deliver(client, opened)
    worker = await drain(settings, pool)

    assert (first["status"], again["status"], later["status"], redelivered["status"]) == (
        "queued",
        "duplicate",
        "queued",
        "duplicate",
    )
    assert later["job_id"] == first["job_id"]
    assert worker.jobs_complete == 0
    assert len(fake.check_runs()) == 1
    assert len(fake.reviews(REPO, 7)) == 1
    assert len(fake.comments(REPO, 7)) == 1


# (c) -----------------------------------------------------------------------------------------------------------------


async def test_the_same_debt_at_a_new_head_adds_no_new_comment(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    world.open_pull(7, DEBT_FILES)
    await deliver(client, pull_request_delivery(world, 7))
    await drain(settings, pool)
    pushed = world.push(7, {"README.md": "# widgets\n\nNow with a model.\n"})

    await deliver(client, pull_request_delivery(world, 7, "synchronize"))
    await drain(settings, pool)

    (check,) = fake.check_runs(head_sha=pushed.head_sha)
    assert (check.conclusion, rules_of(check.annotations)) == ("failure", DEBT_RULES)
    assert len(fake.check_runs()) == 2  # one per head
    assert len(fake.reviews(REPO, 7)) == 1
    (summary,) = fake.comments(REPO, 7)
    assert len(summary.history) == 1  # the summary was edited in place
    assert pushed.head_sha[:12] in summary.body


# (d) -----------------------------------------------------------------------------------------------------------------


async def test_a_fork_cannot_switch_its_own_review_off(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    switched_off = "categories: {code: false, data: false, dependency: false, model: false}\ndisable: [DEP001]\n"
    pull = world.open_pull(7, {**DEBT_FILES, CONFIG: switched_off}, fork=True)

    await deliver(client, pull_request_delivery(world, 7))
    await drain(settings, pool)

    (check,) = fake.check_runs(head_sha=pull.head_sha)
    assert check.conclusion == "failure"
    assert rules_of(check.annotations) >= DEBT_RULES
    assert comment_rules(fake.reviews(REPO, 7)[0].comments) == DEBT_ANCHORED


# (e) -----------------------------------------------------------------------------------------------------------------


def diff_then_fail(fake: FakeGitHub, status: int, *, tries: int) -> None:
    """For `tries` tries: the pull request answers, then its diff fails (githubkit's own two retries included)."""
    for _ in range(tries):
        fake.slow("GET", PULL, 0.0, times=1)
        fake.fail("GET", PULL, status, times=3)


async def test_a_server_error_on_the_diff_is_retried_later_and_then_succeeds(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    pull = world.open_pull(7, DEBT_FILES)
    diff_then_fail(fake, 502, tries=1)

    await deliver(client, pull_request_delivery(world, 7))
    worker = await drain(settings, pool)

    assert (worker.jobs_retried, worker.jobs_complete, worker.jobs_failed) == (1, 1, 0)
    (check,) = fake.check_runs(head_sha=pull.head_sha)  # the retry took up the same check run
    assert (check.status, check.conclusion) == ("completed", "failure")
    (run,) = await review_runs(settings)
    assert run.attempts == 2


async def test_retries_run_out_into_a_neutral_check_run_that_says_why(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    pull = world.open_pull(7, DEBT_FILES)
    diff_then_fail(fake, 502, tries=3)  # every one of the three tries

    await deliver(client, pull_request_delivery(world, 7))
    worker = await drain(settings, pool)

    assert (worker.jobs_retried, worker.jobs_complete, worker.jobs_failed) == (2, 1, 0)
    (check,) = fake.check_runs(head_sha=pull.head_sha)
    assert (check.status, check.conclusion) == ("completed", "neutral")
    assert check.output["title"].startswith("Could not complete the review: GitHub kept failing (3 tries)")
    assert "502" in check.output["title"]
    assert fake.reviews(REPO, 7) == []


# (f) -----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fake_settings", [FakeSettings(diff_limits=DiffLimits(max_files=2))])
async def test_a_diff_too_large_to_render_is_reviewed_from_the_files_api(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    pull = world.open_pull(7, DEBT_FILES)  # three files: GitHub refuses the diff (406)

    await deliver(client, pull_request_delivery(world, 7))
    await drain(settings, pool)

    assert 406 in [r.status for r in fake.requests if r.path.endswith("/pulls/7") and r.method == "GET"]
    assert any(r.path.endswith("/pulls/7/files") for r in fake.requests)
    (check,) = fake.check_runs(head_sha=pull.head_sha)
    assert (check.conclusion, rules_of(check.annotations)) == ("failure", DEBT_RULES)
    assert comment_rules(fake.reviews(REPO, 7)[0].comments) == DEBT_ANCHORED


# (g) -----------------------------------------------------------------------------------------------------------------


async def test_a_head_that_moved_on_before_the_review_gets_nothing_published(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    old = world.open_pull(7, DEBT_FILES).head_sha
    await deliver(client, pull_request_delivery(world, 7))
    world.push(7, {"README.md": "# widgets v2\n"})  # its own delivery would queue the review of the new head

    worker = await drain(settings, pool)

    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    assert fake.check_runs(head_sha=old) == []
    assert fake.check_runs() == []
    assert fake.reviews(REPO, 7) == []
    assert fake.comments(REPO, 7) == []


# (h) -----------------------------------------------------------------------------------------------------------------


async def test_a_review_github_refuses_for_an_anchor_is_posted_again_without_it(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    pull = world.open_pull(7, DEBT_FILES)
    # GitHub's answer when a comment's line is not in the diff it computed (e.g. the base moved meanwhile).
    refusal = {
        "message": "Unprocessable Entity",
        "errors": [
            "Pull request review thread line must be part of the diff and "
            "Pull request review thread diff hunk can't be blank"
        ],
        "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
        "status": "422",
    }
    fake.fail("POST", r"/pulls/7/reviews$", 422, body=refusal, times=1)

    await deliver(client, pull_request_delivery(world, 7))
    worker = await drain(settings, pool)

    assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (1, 0, 0)
    posts = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/pulls/7/reviews")]
    assert [len(r.body["comments"]) for r in posts] == [len(DEBT_ANCHORED), 0]
    (review,) = fake.reviews(REPO, 7)
    assert review.comments == []
    (check,) = fake.check_runs(head_sha=pull.head_sha)
    assert (check.conclusion, rules_of(check.annotations)) == ("failure", DEBT_RULES)


# health --------------------------------------------------------------------------------------------------------------


async def test_the_worker_health_check_passes_while_a_worker_runs(
    world: World, pool: ArqRedis, settings: Settings, redis_url: str, queue_name: str
) -> None:
    redis = RedisSettings.from_dsn(redis_url)
    environment = {
        **os.environ,
        "DEBTBOT_REDIS_URL": redis_url,
        "DEBTBOT_QUEUE_NAME": queue_name,
        "DEBTBOT_DATABASE_URL": settings.database_url.get_secret_value(),
    }
    before = await async_check_health(redis, queue_name=queue_name)
    ours_before = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "worker", "--check", env=environment, stdout=asyncio.subprocess.DEVNULL
    )
    assert await ours_before.wait() == 1

    await drain(settings, pool)  # a burst run writes the key once, which lives for the check interval

    after = await async_check_health(redis, queue_name=queue_name)
    arq = Path(sys.executable).parent / "arq"
    check = await asyncio.create_subprocess_exec(
        str(arq), "--check", "bot.worker.WorkerSettings", env=environment, stdout=asyncio.subprocess.DEVNULL
    )
    # The probe the README documents, through our own command line.
    ours = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "worker", "--check", env=environment, stdout=asyncio.subprocess.DEVNULL
    )
    assert (before, after, await check.wait(), await ours.wait()) == (1, 0, 0, 0)
