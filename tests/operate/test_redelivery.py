"""Failed webhook deliveries asked for again: the fake GitHub's delivery log over HTTP, real Redis, a real database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from arq import Worker
from arq.connections import ArqRedis

from bot.db import store
from bot.db.engine import make_engine, session_factory
from bot.db.models import DeliveryOutcome
from bot.github import GitHubKitApp, ShortRetry
from bot.redelivery import Redeliverer, RedeliveryPolicy, RedeliveryState, start
from bot.settings import Settings
from bot.webhooks import PATH
from bot.worker import shutdown, worker_kwargs
from bot.worker_context import WorkerDeps, WorkerOptions
from tests.e2e.conftest import E2E_OPTIONS, pull_request_delivery
from tests.fakegithub import FakeGitHub, shared_app_key
from tests.fakegithub.keys import FAKE_APP_ID
from tests.fakegithub.state import Delivery as LoggedDelivery
from tests.operate.helpers import wait_until, webhook_headers
from tests.worker.world import DEBT_FILES, OWN, World

pytestmark = [pytest.mark.anyio, pytest.mark.services]

POLICY = RedeliveryPolicy(interval=600.0, max_per_run=50)
DELIVERIES = "/app/hook/deliveries"


@asynccontextmanager
async def redeliverer(
    fake: FakeGitHub, settings: Settings, pool: ArqRedis, policy: RedeliveryPolicy = POLICY
) -> AsyncIterator[Redeliverer]:
    engine = make_engine(settings.database_url)
    github = GitHubKitApp(
        app_id=FAKE_APP_ID,
        private_key=shared_app_key().private_pem,
        base_url=fake.url,
        retry=ShortRetry(server_error_wait=0.01),
    )
    try:
        yield Redeliverer(
            github=github,
            state=RedeliveryState(pool, settings.queue_name),
            sessions=session_factory(engine),
            policy=policy,
        )
    finally:
        await github.aclose()
        await engine.dispose()


async def webhook_took(settings: Settings, guid: str, outcome: DeliveryOutcome) -> None:
    """Our deliveries table records the delivery with this outcome (what the webhook route writes)."""
    engine = make_engine(settings.database_url)
    try:
        async with session_factory(engine).begin() as session:
            await store.record_delivery(
                session, delivery_id=guid, event="pull_request", action="opened", installation_id=1
            )
            await store.mark_delivery(session, guid, outcome=outcome)
    finally:
        await engine.dispose()


def listings(fake: FakeGitHub) -> list[dict[str, list[str]]]:
    return [r.query for r in fake.requests if r.path == DELIVERIES and r.method == "GET"]


async def test_failed_deliveries_are_asked_for_again_unless_an_attempt_or_the_webhook_took_them(
    fake: FakeGitHub, settings: Settings, pool: ArqRedis
) -> None:
    lost = fake.add_delivery("pull_request", action="opened", status_code=502, installation_id=OWN)
    recovered = fake.add_delivery("pull_request", action="synchronize", status_code=500, installation_id=OWN)
    fake.add_delivery("pull_request", action="synchronize", guid=recovered.guid, redelivery=True)
    fake.add_delivery("ping")
    timed_out = fake.add_delivery("issue_comment", action="created", status_code=0, installation_id=OWN)
    refused_by_us = fake.add_delivery("pull_request", action="opened", status_code=503, installation_id=OWN)
    await webhook_took(settings, timed_out.guid, DeliveryOutcome.QUEUED)  # queued, but answered too late
    await webhook_took(settings, refused_by_us.guid, DeliveryOutcome.FAILED)  # Redis was down: 503

    async with redeliverer(fake, settings, pool) as runner:
        report = await runner.run()

    assert sorted(report.requested) == sorted([lost.guid, refused_by_us.guid])
    assert sorted(fake.redeliveries) == sorted([lost.id, refused_by_us.id])
    assert (report.scanned, report.scan_complete, report.taken) == (6, True, 1)


async def test_a_guid_is_asked_for_once_a_window_and_then_by_its_newest_attempt(
    fake: FakeGitHub, settings: Settings, pool: ArqRedis
) -> None:
    fake.receive_webhooks(lambda delivery: 503)  # our endpoint is still down: every redelivery fails too
    failed = fake.add_delivery("pull_request", action="opened", status_code=502, installation_id=OWN)
    policy = replace(POLICY, window=timedelta(milliseconds=300))

    async with redeliverer(fake, settings, pool, policy) as runner:
        first = await runner.run()
        within_the_window = await runner.run()
        await asyncio.sleep(0.4)
        after_the_window = await runner.run()

    redelivered = [d for d in fake.world.deliveries.values() if d.redelivery]
    assert (first.requested, within_the_window.requested, after_the_window.requested) == (
        [failed.guid],
        [],
        [failed.guid],
    )
    assert within_the_window.pending == 1
    # The second request names the newest failed attempt: the redelivery the first one made.
    assert fake.redeliveries == [failed.id, redelivered[0].id]
    assert [d.status_code for d in redelivered] == [503, 503]


async def test_a_long_log_is_read_across_runs_from_where_the_last_run_stopped(
    fake: FakeGitHub, settings: Settings, pool: ArqRedis
) -> None:
    failed = []
    for index in range(250):  # three pages of 100
        failed_now = index % 50 == 0
        delivery = fake.add_delivery("pull_request", action="opened", status_code=502 if failed_now else 200)
        if failed_now:
            failed.append(delivery)
    policy = replace(POLICY, max_pages=1)

    async with redeliverer(fake, settings, pool, policy) as runner:
        reports = [await runner.run() for _ in range(3)]
        caught_up = await runner.run()  # only the five redeliveries are new
        idle = await runner.run()

    assert [(r.scanned, r.scan_complete) for r in reports] == [(100, False), (100, False), (50, True)]
    assert sorted(guid for r in reports for guid in r.requested) == sorted(d.guid for d in failed)
    assert (caught_up.pages, caught_up.scanned, caught_up.requested) == (1, len(failed), [])
    assert (idle.pages, idle.scanned, idle.scan_complete) == (1, 0, True)
    queries = listings(fake)
    # Each run after the first resumed at GitHub's cursor; once caught up, a run reads the newest page only.
    assert ["cursor" in q for q in queries] == [False, True, True, False, False]


async def test_the_number_asked_for_in_one_run_is_bounded(fake: FakeGitHub, settings: Settings, pool: ArqRedis) -> None:
    failed = [fake.add_delivery("pull_request", status_code=502) for _ in range(7)]

    async with redeliverer(fake, settings, pool, replace(POLICY, max_per_run=3)) as runner:
        runs = [await runner.run() for _ in range(3)]

    assert [len(r.requested) for r in runs] == [3, 3, 1]
    # Oldest first: the ones closest to GitHub's three days go before the others.
    assert [guid for r in runs for guid in r.requested] == [d.guid for d in failed]


async def test_deliveries_older_than_github_redelivers_are_left_out(
    fake: FakeGitHub, settings: Settings, pool: ArqRedis
) -> None:
    fake.add_delivery("pull_request", status_code=502, delivered_at=time.time() - 4 * 24 * 3600)
    stuck = fake.add_delivery("pull_request", status_code=502)

    async with redeliverer(fake, settings, pool, replace(POLICY, max_per_run=0)) as runner:
        first = await runner.run()
        days_later = await runner.run(datetime.now(UTC) + timedelta(days=3, minutes=1))

    assert (first.scanned, first.scan_complete, first.pending) == (1, True, 1)
    assert (days_later.expired, days_later.pending) == (1, 0)
    assert fake.redeliveries == []
    assert stuck.guid not in await RedeliveryState(pool, settings.queue_name).pending()


async def test_a_refusal_drops_the_guid_and_a_failing_github_ends_the_run(
    fake: FakeGitHub, settings: Settings, pool: ArqRedis
) -> None:
    refused = fake.add_delivery("pull_request", status_code=502)
    later = fake.add_delivery("pull_request", status_code=502)
    fake.fail("POST", rf"^/app/hook/deliveries/{refused.id}/attempts$", 422)
    fake.fail("POST", rf"^/app/hook/deliveries/{later.id}/attempts$", 502)

    async with redeliverer(fake, settings, pool) as runner:
        first = await runner.run()
        second = await runner.run()

    assert (first.refused, first.requested) == (1, [])
    assert (second.refused, second.requested) == (0, [later.guid])  # asked again at once: the 502 was GitHub's
    assert fake.redeliveries == [later.id]


async def test_one_worker_of_the_fleet_runs_it_each_interval(settings: Settings, pool: ArqRedis) -> None:
    ours, theirs = RedeliveryState(pool, settings.queue_name), RedeliveryState(pool, settings.queue_name)

    assert [await ours.take_turn(0.2), await theirs.take_turn(0.2), await ours.take_turn(0.2)] == [True, False, False]
    await asyncio.sleep(0.3)
    assert await theirs.take_turn(0.2)


async def test_it_is_turned_off_by_an_interval_of_zero(fake: FakeGitHub, settings: Settings, pool: ArqRedis) -> None:
    off = settings.model_copy(update={"redelivery_interval_minutes": 0})
    engine = make_engine(settings.database_url)
    async with redeliverer(fake, settings, pool) as runner:
        deps = WorkerDeps(
            settings=off,
            options=WorkerOptions(),
            engine=engine,
            sessions=runner.sessions,
            github=runner.github,
            redis=pool,
        )
        try:
            assert start(deps) is None
            assert RedeliveryPolicy.of(settings) == RedeliveryPolicy(interval=600.0, max_per_run=50)
        finally:
            await engine.dispose()


async def test_a_review_lost_to_an_outage_is_done_once_a_worker_starts(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    pull = world.open_pull(7, DEBT_FILES)
    opened = pull_request_delivery(world, 7)
    # The web app was down when GitHub delivered the pull request: GitHub logged a failure.
    fake.add_delivery(
        "pull_request",
        action="opened",
        status_code=502,
        guid=opened.delivery_id,
        installation_id=OWN,
        repository_id=world.repo_id,
        payload=opened.body,
    )
    loop = asyncio.get_running_loop()
    answered: list[int] = []

    def deliver(again: LoggedDelivery) -> int:
        """GitHub's redelivery, sent to the web app (now up) from the fake's thread."""
        assert again.payload is not None
        sent = client.post(PATH, content=again.payload, headers=webhook_headers(again.event, again.guid, again.payload))
        answered.append(asyncio.run_coroutine_threadsafe(sent, loop).result(timeout=30).status_code)
        return answered[-1]

    fake.receive_webhooks(deliver)
    worker = Worker(**{**worker_kwargs(settings, E2E_OPTIONS), "redis_pool": pool, "handle_signals": False})
    running = asyncio.create_task(worker.main())
    try:
        await wait_until(lambda: worker.jobs_complete == 1, "the review")
    finally:
        running.cancel()
        with suppress(asyncio.CancelledError):
            await running
        await shutdown(worker.ctx)

    assert answered == [202]
    (check,) = fake.check_runs(head_sha=pull.head_sha)
    assert check.conclusion == "failure"
    redelivered = [d for d in fake.world.deliveries.values() if d.redelivery]
    assert [(d.guid, d.status_code) for d in redelivered] == [(opened.delivery_id, 202)]
