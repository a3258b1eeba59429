"""Two `debtbot worker` processes on one Redis and one PostgreSQL share the queue, and no head is reviewed twice:
deliveries through the real web app (the same events again under new delivery ids, and the same delivery twice),
reviews against the fake GitHub over HTTP, each worker's /metrics scraped on its own port."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest
from arq.connections import ArqRedis
from sqlalchemy import select

from bot.db.engine import make_engine, session_factory
from bot.db.models import ReviewRun, RunStatus
from bot.settings import Settings
from tests.e2e.conftest import deliver
from tests.fakegithub import FakeGitHub
from tests.operate.commands import debtbot_env
from tests.operate.fleet import NUMBER, Customer, customers, pull_request_delivery
from tests.operate.helpers import wait_until
from tests.operate.scrape import samples, value

pytestmark = [pytest.mark.anyio, pytest.mark.services]

#: More heads than one worker takes at a time (arq's max_jobs, 10): the other worker must take some.
HEADS = 14
STOP_SECONDS = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class WorkerProcess:
    """`debtbot worker` in a child process: its JSON log lines in a file, its metrics on a port of its own."""

    def __init__(self, env: dict[str, str], cwd: Path, name: str) -> None:
        self.port = free_port()
        self.log_path = cwd / f"{name}.log"
        self._log: IO[bytes] = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "worker"],
            env={**env, "DEBTBOT_WORKER_METRICS_PORT": str(self.port), "DEBTBOT_WORKER_METRICS_HOST": "127.0.0.1"},
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def events(self) -> list[dict[str, object]]:
        found = []
        for line in self.log_path.read_text().splitlines():
            try:
                found.append(json.loads(line))
            except ValueError:
                continue  # a line of arq's own start-up banner
        return found

    def started(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the worker exited with {self.process.returncode}: {self.log_path.read_text()}")
        return any(event.get("event") == "worker_started" for event in self.events())

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        response = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=10)
        response.raise_for_status()
        return samples(response.text)

    def reviews_done(self) -> float:
        return value(self.metrics(), "debtbot_jobs_total", job="review_pull_request", outcome="success")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode


@pytest.fixture
def workers(
    fake: FakeGitHub, settings: Settings, redis_url: str, queue_name: str, tmp_path: Path
) -> Iterator[list[WorkerProcess]]:
    env = debtbot_env(
        fake, database_url=settings.database_url.get_secret_value(), redis_url=redis_url, queue_name=queue_name
    )
    with ExitStack() as stack:
        started = []
        for name in ("worker-a", "worker-b"):
            worker = WorkerProcess(env, tmp_path, name)
            stack.callback(worker.stop)
            started.append(worker)
        yield started


async def review_runs(settings: Settings) -> list[ReviewRun]:
    engine = make_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return list(await session.scalars(select(ReviewRun)))
    finally:
        await engine.dispose()


async def in_progress(pool: ArqRedis) -> int:
    return len([key async for key in pool.scan_iter(match="arq:in-progress:*")])


@dataclass
class Deployment:
    """The web app, the queue and its settings, and the two worker processes."""

    client: httpx.AsyncClient
    pool: ArqRedis
    settings: Settings
    workers: list[WorkerProcess]


@pytest.fixture
def deployment(
    client: httpx.AsyncClient, pool: ArqRedis, settings: Settings, workers: list[WorkerProcess]
) -> Deployment:
    return Deployment(client, pool, settings, workers)


@pytest.fixture
def fleet(fake: FakeGitHub, tmp_path: Path) -> list[Customer]:
    return customers(fake, tmp_path, HEADS)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_workers_share_the_queue_and_review_each_head_once(
    fake: FakeGitHub, deployment: Deployment, fleet: list[Customer]
) -> None:
    client, pool, settings, workers = deployment.client, deployment.pool, deployment.settings, deployment.workers
    await wait_until(lambda: all(w.started() for w in workers), "both workers to start")

    answers = []
    for customer in fleet:
        opened = pull_request_delivery(customer, "opened")
        answers.append(await deliver(client, opened))
        answers.append(await deliver(client, opened))  # GitHub delivering the same delivery twice
    for customer in fleet:  # another event for the same head, under a delivery id of its own
        answers.append(await deliver(client, pull_request_delivery(customer, "ready_for_review")))

    def done() -> int:
        return sum(
            [c.status for c in fake.check_runs(head_sha=customer.head_sha)] == ["completed"] for customer in fleet
        )

    await wait_until(lambda: done() == HEADS, f"{HEADS} completed check runs", timeout=120)
    await wait_until(lambda: sum(w.reviews_done() for w in workers) == HEADS, "the workers to count every review")
    # Once reviewed, the head is not queued again by a later event either.
    late = [await deliver(client, pull_request_delivery(customer, "reopened")) for customer in fleet]
    queued_late = await pool.zcard(settings.queue_name)
    running_late = await in_progress(pool)
    per_worker = [w.reviews_done() for w in workers]
    depth = [value(w.metrics(), "debtbot_queue_depth") for w in workers]
    exits = [w.stop() for w in workers]

    assert Counter(a["status"] for a in answers) == {"queued": 2 * HEADS, "duplicate": HEADS}
    assert {a["status"] for a in late} == {"queued"}  # answered as queued: the job with that id exists
    assert (queued_late, running_late) == (0, 0)
    # Both workers took reviews, and together exactly one per head.
    assert all(count >= 1 for count in per_worker), per_worker
    assert sum(per_worker) == HEADS
    assert depth == [0.0, 0.0]
    done_by = Counter(
        str(event.get("head_sha"))
        for w in workers
        for event in w.events()
        if event.get("event") == "job_done" and event.get("job") == "review_pull_request"
    )
    assert done_by == dict.fromkeys((c.head_sha for c in fleet), 1)
    for customer in fleet:
        (check,) = fake.check_runs(head_sha=customer.head_sha, repo=customer.repo)
        assert (check.status, check.conclusion) == ("completed", "failure")
        assert len(fake.reviews(customer.repo, NUMBER)) == 1
        assert len(fake.comments(customer.repo, NUMBER)) == 1
    runs = await review_runs(settings)
    assert sorted((run.repo_id, run.head_sha) for run in runs) == sorted((c.repo_id, c.head_sha) for c in fleet)
    assert {run.status for run in runs} == {RunStatus.COMPLETED}
    assert exits == [0, 0]
