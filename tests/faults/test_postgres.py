"""PostgreSQL stopped and started under the service: deliveries arriving while it is down, and a review in hand.

A private PostgreSQL cluster is stopped with `pg_ctl stop` (`fast`: a planned restart; `immediate`: a crash) and
started again on the same port. Neither the web app (uvicorn, in a thread) nor the worker (a subprocess) is restarted.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.db.engine import make_engine
from bot.errors import RetryLater, classify
from tests.e2e.conftest import pull_request_delivery
from tests.fakegithub import FakeGitHub
from tests.faults.conftest import OnPostgres, PostgresDatabase
from tests.faults.figures import Figures, measure, record
from tests.faults.processes import WorkerProcess
from tests.faults.scenario import (
    Hookshot,
    WebServer,
    delivery_outcomes,
    ready_checks,
    redeliver_failed,
    review_runs,
    settle,
)
from tests.worker.world import DEBT_FILES, World

pytestmark = [pytest.mark.anyio, pytest.mark.services]


async def test_deliveries_refused_while_postgres_restarts_are_reviewed_once_redelivered(
    world: World, fake: FakeGitHub, on_postgres: OnPostgres, tmp_path: Path
) -> None:
    settings, postgres_cluster = on_postgres.settings, on_postgres.cluster
    heads = {n: world.open_pull(n, DEBT_FILES).head_sha for n in range(1, 7)}
    deliveries = {n: pull_request_delivery(world, n) for n in heads}
    late = [deliveries[3], deliveries[4], deliveries[5]]
    worker = WorkerProcess(settings, tmp_path)
    try:
        await worker.ready()
        with WebServer(settings) as web:
            github = Hookshot(fake, web.url)
            before = await github.send_all([deliveries[1], deliveries[2]])
            await settle(settings, fake, {1: heads[1], 2: heads[2]}, describe=worker.log_tail)
            postgres_cluster.stop("fast")
            during = await github.send_all(late)
            readiness = await ready_checks(web.url)
            postgres_cluster.start()
            after = await github.send(deliveries[6])  # the same web app: not restarted
            logged = await delivery_outcomes(settings, [d.delivery_id for d in late])
            redelivered = await redeliver_failed(settings)
            await settle(settings, fake, heads, describe=worker.log_tail)
        survived = worker.alive
    finally:
        worker.stop()

    figures = record(measure("PostgreSQL restarted while deliveries arrive", fake, heads, github.answers))
    assert (before, during, after) == ([202, 202], [503, 503, 503], 202)
    assert sorted(redelivered.requested) == sorted(d.delivery_id for d in late)
    assert github.answers[-3:] == [(guid, 202) for guid in redelivered.requested]
    assert readiness["database"].startswith("unreachable")
    assert set(logged.values()) == {None}  # refused before anything was recorded: the redelivery is new
    assert survived, worker.log_tail()
    assert figures == Figures(
        scenario="PostgreSQL restarted while deliveries arrive",
        deliveries=6,
        attempts=9,
        acknowledged=6,
        refused=3,
        redelivered=3,
        reviewed=6,
        heads=6,
        check_runs_per_head="1",
        duplicates=0,
    )


#: Where the crash lands: while GitHub creates the review's check run (so its id cannot be recorded), or while the
#: review reads the pull request (its check run recorded, its findings not yet).
CRASH_POINTS = {
    "opening": ("POST", r"/check-runs$", "PostgreSQL crashed while a review opens its check run"),
    "reading": ("GET", r"/git/trees/", "PostgreSQL crashed while a review reads the pull request"),
}


@pytest.mark.parametrize("crash_point", list(CRASH_POINTS))
async def test_a_review_in_hand_when_postgres_crashes_completes_once_it_is_back(
    crash_point: str, world: World, fake: FakeGitHub, on_postgres: OnPostgres, tmp_path: Path
) -> None:
    method, path, scenario = CRASH_POINTS[crash_point]
    settings, postgres_cluster = on_postgres.settings, on_postgres.cluster
    heads = {n: world.open_pull(n, DEBT_FILES).head_sha for n in range(1, 4)}
    slowed = fake.slow(method, path, 2.0)
    worker = WorkerProcess(settings, tmp_path)
    try:
        await worker.ready()
        with WebServer(settings) as web:
            github = Hookshot(fake, web.url)
            sent = await github.send_all([pull_request_delivery(world, n) for n in heads])
        while slowed.hits == 0:
            await asyncio.sleep(0.02)
        postgres_cluster.stop("immediate")
        await asyncio.sleep(3.0)  # the outage: GitHub answers meanwhile, and the review goes on without a database
        postgres_cluster.start()
        await settle(settings, fake, heads, describe=worker.log_tail)
        survived = worker.alive
    finally:
        worker.stop()

    figures = record(measure(scenario, fake, heads, github.answers))
    assert sent == [202, 202, 202]
    assert survived, worker.log_tail()
    runs = await review_runs(settings)
    assert sorted((run.pr_number, run.status.value, run.conclusion) for run in runs) == [
        (n, "completed", "failure") for n in heads
    ]
    assert figures == Figures(
        scenario=scenario,
        deliveries=3,
        attempts=3,
        acknowledged=3,
        refused=0,
        redelivered=0,
        reviewed=3,
        heads=3,
        check_runs_per_head="1",
        duplicates=0,
    )


async def test_a_database_connection_lost_or_refused_is_retried_later_not_a_bug(
    private_postgres: PostgresDatabase,
) -> None:
    engine = make_engine(private_postgres.url)
    try:
        async with engine.connect() as connection:
            query = asyncio.create_task(connection.execute(text("SELECT pg_sleep(30)")))
            await asyncio.sleep(0.3)
            await asyncio.to_thread(private_postgres.cluster.stop, "immediate")
            with pytest.raises(DBAPIError) as dropped:
                await query
        with pytest.raises(ConnectionRefusedError) as refused:
            await engine.connect()
    finally:
        await engine.dispose()

    lost, down = classify(dropped.value, attempt=1), classify(refused.value, attempt=2)
    assert (lost, down) == (
        RetryLater(
            15, "could not reach the database or Redis (DBAPIError: connection was closed in the middle of operation)"
        ),
        RetryLater(30, f"could not reach the database or Redis ({type(refused.value).__name__}: {refused.value})"),
    )
