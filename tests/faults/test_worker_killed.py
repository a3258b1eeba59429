"""A `debtbot worker` killed with SIGKILL in the middle of a review, then a new one started: arq runs the job again.

The killed worker is the real command with its production options (the next one only writes unpaced). The fake
GitHub never answers one request, so the kill lands at a known step: while the review reads the pull request (its
check run already in progress), or while it completes the check run (its review and summary comment already
posted). arq keeps a job's in-progress lease for the job timeout plus 10 s (610 s by default) and only then lets
another worker take the job: the test ends the lease instead of waiting it out, which is all those 610 s do.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import redis.asyncio

from bot.settings import Settings
from tests.e2e.conftest import pull_request_delivery
from tests.fakegithub import FakeGitHub
from tests.faults.figures import Figures, measure, record
from tests.faults.processes import DEBTBOT_WORKER, WorkerProcess
from tests.faults.scenario import Hookshot, WebServer, settle
from tests.worker.world import DEBT_FILES, World

pytestmark = [pytest.mark.anyio, pytest.mark.services]

#: arq's in-progress lease of a job: `job_timeout` (600 s by default) + 10 s, in milliseconds.
LEASE_MS = 610_000

KILL_POINTS = {
    "reading": ("GET", r"/git/trees/", "SIGKILL while a review reads the pull request"),
    "completing": ("PATCH", r"/check-runs/\d+$", "SIGKILL while a review completes its check run"),
}


@pytest.mark.parametrize("kill_point", list(KILL_POINTS))
async def test_a_review_cut_short_by_sigkill_is_taken_up_by_the_next_worker_once(
    kill_point: str, world: World, fake: FakeGitHub, settings: Settings, tmp_path: Path
) -> None:
    method, path, scenario = KILL_POINTS[kill_point]
    heads = {n: world.open_pull(n, DEBT_FILES).head_sha for n in (1, 2)}
    hung = fake.hang(method, path)
    first = WorkerProcess(settings, tmp_path, name="first", command=DEBTBOT_WORKER)
    try:
        await first.ready()
        with WebServer(settings) as web:
            github = Hookshot(fake, web.url)
            sent = await github.send_all([pull_request_delivery(world, n) for n in heads])
        while hung.hits == 0:
            await asyncio.sleep(0.02)
    finally:
        first.kill()
    cut_short = [run for sha in heads.values() for run in fake.check_runs(head_sha=sha) if run.status != "completed"]
    leases = await end_leases(settings)

    second = WorkerProcess(settings, tmp_path, name="second")  # writes unpaced: only quicker
    try:
        await second.ready()
        await settle(settings, fake, heads, describe=second.log_tail)
    finally:
        second.stop()

    figures = record(measure(scenario, fake, heads, github.answers))
    assert sent == [202, 202]
    assert cut_short, "the kill landed after every check run was completed"
    assert leases
    assert all(LEASE_MS - 60_000 < ttl <= LEASE_MS for ttl in leases.values()), leases
    resumed = {entry["job_id"] for entry in second.events("review_resumed")}
    assert resumed, second.log_tail()  # the job cut short took up its own check run
    assert resumed <= set(leases)
    assert figures == Figures(
        scenario=scenario,
        deliveries=2,
        attempts=2,
        acknowledged=2,
        refused=0,
        redelivered=0,
        reviewed=2,
        heads=2,
        check_runs_per_head="1",
        duplicates=0,
    )


async def end_leases(settings: Settings) -> dict[str, int]:
    """End arq's in-progress leases (what their expiry does); the milliseconds each had left, by job id."""
    assert settings.redis_url is not None
    client = redis.asyncio.Redis.from_url(settings.redis_url.get_secret_value())
    try:
        keys = [key async for key in client.scan_iter(match="arq:in-progress:*")]
        left = {key.decode().removeprefix("arq:in-progress:"): int(await client.pttl(key)) for key in keys}
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
    return left
