"""Redis stopped and started under the service: deliveries arriving while it is down, and a job in hand when it goes.

A private redis-server (append-only file, as in production) is stopped with SIGTERM and started again on the same
port; the web app (uvicorn, in a thread) and a worker (a subprocess) run throughout.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import redis
import redis.asyncio

from bot.errors import RetryLater, classify
from bot.settings import Settings
from tests.e2e.conftest import pull_request_delivery
from tests.fakegithub import FakeGitHub
from tests.faults.figures import Figures, measure, record
from tests.faults.processes import WorkerProcess, service_env
from tests.faults.scenario import (
    Hookshot,
    WebServer,
    delivery_outcomes,
    ready_checks,
    redeliver_failed,
    review_runs,
    settle,
)
from tests.faults.services import PrivateRedis
from tests.worker.world import DEBT_FILES, World

pytestmark = [pytest.mark.anyio, pytest.mark.services]


async def test_deliveries_refused_while_redis_is_down_are_reviewed_once_redelivered(
    world: World, fake: FakeGitHub, private_redis: PrivateRedis, settings: Settings, tmp_path: Path
) -> None:
    heads = {n: world.open_pull(n, DEBT_FILES).head_sha for n in range(1, 6)}
    deliveries = {n: pull_request_delivery(world, n) for n in heads}
    early, late = [deliveries[1], deliveries[2]], [deliveries[3], deliveries[4], deliveries[5]]
    worker = WorkerProcess(settings, tmp_path)
    try:
        await worker.ready()
        with WebServer(settings) as web:
            github = Hookshot(fake, web.url)
            before = await github.send_all(early)
            await settle(settings, fake, {1: heads[1], 2: heads[2]}, describe=worker.log_tail)
            private_redis.stop()
            await asyncio.sleep(2.0)  # the outage: the idle worker polls the queue meanwhile
            during = await github.send_all(late)
            readiness = await ready_checks(web.url)
            logged = await delivery_outcomes(settings, [d.delivery_id for d in late])
            private_redis.start()
            # The worker's redelivery run (every 10 minutes, and at start): GitHub sends each failed one again.
            redelivered = await redeliver_failed(settings)
            await settle(settings, fake, heads, describe=worker.log_tail)
        survived = worker.alive
    finally:
        worker.stop()

    figures = record(measure("Redis down when deliveries arrive", fake, heads, github.answers))
    assert (before, during) == ([202, 202], [503, 503, 503])
    assert sorted(redelivered.requested) == sorted(d.delivery_id for d in late)
    assert github.answers[-3:] == [(guid, 202) for guid in redelivered.requested]
    assert readiness["redis"].startswith("unreachable")
    assert set(logged.values()) == {"failed"}  # recorded, so nothing is lost while the queue is down
    assert survived, worker.log_tail()
    assert figures == Figures(
        scenario="Redis down when deliveries arrive",
        deliveries=5,
        attempts=8,
        acknowledged=5,
        refused=3,
        redelivered=3,
        reviewed=5,
        heads=5,
        check_runs_per_head="1",
        duplicates=0,
    )


async def test_a_job_in_hand_when_redis_goes_down_completes_once_it_is_back(
    world: World, fake: FakeGitHub, private_redis: PrivateRedis, settings: Settings, tmp_path: Path
) -> None:
    heads = {n: world.open_pull(n, DEBT_FILES).head_sha for n in range(1, 4)}
    # The first review to read its tree waits for it: Redis stops while that job is in hand.
    slow_tree = fake.slow("GET", r"/git/trees/", 2.0)
    worker = WorkerProcess(settings, tmp_path)
    try:
        await worker.ready()
        with WebServer(settings) as web:
            github = Hookshot(fake, web.url)
            sent = await github.send_all([pull_request_delivery(world, n) for n in heads])
        while slow_tree.hits == 0:
            await asyncio.sleep(0.02)
        private_redis.stop()
        await asyncio.sleep(4.0)  # the outage: the tree answers meanwhile, and the job goes on without Redis
        down_alive = worker.alive
        private_redis.start()
        await settle(settings, fake, heads, describe=worker.log_tail)
        survived = worker.alive
    finally:
        worker.stop()

    figures = record(measure("Redis down in the middle of a job", fake, heads, github.answers))
    assert sent == [202, 202, 202]
    assert (down_alive, survived) == (True, True), worker.log_tail()
    assert figures == Figures(
        scenario="Redis down in the middle of a job",
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


async def test_jobs_queued_in_a_redis_that_restarts_empty_are_queued_again_and_reviewed(
    world: World, fake: FakeGitHub, private_redis: PrivateRedis, settings: Settings, tmp_path: Path
) -> None:
    heads = {n: world.open_pull(n, DEBT_FILES).head_sha for n in range(1, 4)}
    with WebServer(settings) as web:
        github = Hookshot(fake, web.url)
        sent = await github.send_all([pull_request_delivery(world, n) for n in heads])
    # No worker ran yet; Redis restarts without the data it had (no append-only file, or a new host).
    private_redis.stop()
    private_redis.wipe()
    private_redis.start()
    # The worker's redelivery run queues again the jobs of the deliveries the table says it queued.
    recovered = await redeliver_failed(settings)
    worker = WorkerProcess(settings, tmp_path)
    try:
        await worker.ready()
        await settle(settings, fake, heads, describe=worker.log_tail)
    finally:
        worker.stop()

    figures = record(measure("Redis restarted empty, jobs queued", fake, heads, github.answers))
    assert sent == [202, 202, 202]
    assert recovered.requested == []  # GitHub's log says delivered: nothing to redeliver
    assert len(recovered.requeued) == 3
    assert sorted(str(run.job_id) for run in await review_runs(settings)) == sorted(recovered.requeued)
    assert figures == Figures(
        scenario="Redis restarted empty, jobs queued",
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


async def test_a_redis_connection_refused_in_a_job_is_retried_later(private_redis: PrivateRedis) -> None:
    client = redis.asyncio.Redis.from_url(private_redis.url)
    private_redis.stop()
    try:
        with pytest.raises(redis.ConnectionError) as refused:
            await client.get("debtbot:githubkit:token")
    finally:
        await client.aclose()

    assert classify(refused.value, attempt=1) == RetryLater(
        15, f"could not reach the database or Redis (ConnectionError: {refused.value})"
    )


async def test_the_health_probe_fails_rather_than_waits_while_redis_is_down(
    private_redis: PrivateRedis, settings: Settings, tmp_path: Path
) -> None:
    """The worker waits for Redis to come back; its probe must not (it gives up after arq's 5 connection tries)."""
    private_redis.stop()
    probe = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "worker",
        "--check",
        env=service_env(settings),
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        status = await asyncio.wait_for(probe.wait(), timeout=60.0)
    finally:
        if probe.returncode is None:
            probe.kill()
            await probe.wait()

    assert status == 1
