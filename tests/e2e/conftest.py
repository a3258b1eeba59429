"""End to end: a signed delivery to the real web app, a real Redis queue, a real arq worker in burst mode, the fake
GitHub over HTTP and a real database (SQLite, or PostgreSQL where a test asks)."""

from __future__ import annotations

import copy
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq import Worker, func
from arq.connections import ArqRedis, RedisSettings, create_pool
from fastapi import FastAPI
from pydantic import SecretStr

from bot.app import create_app
from bot.db.engine import upgrade
from bot.settings import Settings
from bot.signature import sign
from bot.webhooks import PATH
from bot.worker import shutdown, worker_kwargs
from bot.worker_context import WorkerOptions
from tests.fakegithub import FakeGitHub, shared_app_key
from tests.fakegithub import Settings as FakeSettings
from tests.fakegithub.keys import FAKE_APP_ID
from tests.worker.conftest import TEST_OPTIONS, WEBHOOK_SECRET, make_settings
from tests.worker.world import AUTHOR, FORK, OWN, REPO, World

WEBHOOKS = Path(__file__).parents[1] / "fixtures" / "github" / "webhooks"
#: Retries come back after 50 ms.
E2E_OPTIONS = dataclasses.replace(TEST_OPTIONS, max_retry_defer=0.05)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake_settings() -> FakeSettings:
    """What the fake GitHub is tuned with (a test parametrizes this name to change it)."""
    return FakeSettings()


@pytest.fixture
def fake(fake_settings: FakeSettings) -> Iterator[FakeGitHub]:
    with FakeGitHub(app_id=FAKE_APP_ID, public_key=shared_app_key().public_pem, settings=fake_settings) as fake:
        yield fake
        fake.assert_no_violations()


@pytest.fixture
def world(fake: FakeGitHub, tmp_path: Path) -> World:
    return World.create(fake, tmp_path)


@pytest.fixture(params=["sqlite"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database: SQLite unless the test parametrizes `database_url` with "postgresql"."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'data' / 'debtbot.db'}"
    await upgrade(url)
    return url


@pytest.fixture
def settings(fake: FakeGitHub, database_url: str, redis_url: str, queue_name: str) -> Settings:
    return make_settings(fake, database_url, redis_url=SecretStr(redis_url), queue_name=queue_name)


@pytest.fixture
async def pool(redis_url: str, queue_name: str) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=queue_name)
    try:
        yield pool
    finally:
        await pool.aclose()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The web app with its lifespan run (database and Redis pool open), reached in-process."""
    app: FastAPI = create_app(settings, env_file=Path("/nonexistent/.env"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://debtbot.test") as client,
    ):
        yield client


@dataclass
class Delivery:
    event: str
    payload: dict[str, Any]
    delivery_id: str

    @property
    def body(self) -> bytes:
        return json.dumps(self.payload).encode()

    def headers(self) -> dict[str, str]:
        return {
            "X-GitHub-Event": self.event,
            "X-GitHub-Delivery": self.delivery_id,
            "X-Hub-Signature-256": sign(WEBHOOK_SECRET, self.body),
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/e2e",
        }


def pull_request_delivery(world: World, number: int, action: str = "opened") -> Delivery:
    """GitHub's `pull_request` example, moved onto `world`'s repository and pull request `number`."""
    payload: dict[str, Any] = copy.deepcopy(json.loads((WEBHOOKS / "pull_request" / "opened.payload.json").read_text()))
    pull = world.pulls[number]
    repository = payload["repository"]
    repository.update(id=world.repo_id, name="widgets", full_name=REPO, default_branch="main", private=True)
    repository["owner"]["login"] = "octo-org"
    head_repo = copy.deepcopy(repository)
    if pull.head_repo == FORK:
        head_repo.update(id=world.repo_id + 10_000, full_name=FORK, fork=True)
        head_repo["owner"]["login"] = FORK.split("/")[0]
    pr = payload["pull_request"]
    pr.update(number=number, state="open", draft=False, merged=False, merged_at=None)
    pr["user"]["login"] = AUTHOR
    pr["head"].update(ref=pull.branch, sha=pull.head_sha, label=f"{head_repo['owner']['login']}:{pull.branch}")
    pr["head"]["repo"] = head_repo
    pr["base"].update(ref="main", sha=pull.base_sha, label="octo-org:main")
    pr["base"]["repo"] = repository
    payload.update(action=action, number=number, installation={"id": OWN, "node_id": "MDIzOkludGVncmF0aW9uMTAw"})
    return Delivery("pull_request", payload, str(uuid.uuid4()))


async def deliver(client: httpx.AsyncClient, delivery: Delivery) -> dict[str, Any]:
    response = await client.post(PATH, content=delivery.body, headers=delivery.headers())
    assert response.status_code in (200, 202), response.text
    answer: dict[str, Any] = response.json()
    return answer


def burst_worker_kwargs(settings: Settings, pool: ArqRedis, options: WorkerOptions) -> dict[str, Any]:
    """`worker_kwargs` for a worker that stops once its queue is empty. Its cron jobs are plain functions: they
    run when queued (a weekly report caught up at start), never because a test's drain crossed the hour."""
    kwargs = worker_kwargs(settings, options)
    crons = [func(c.coroutine, name=c.name, timeout=c.timeout_s, max_tries=c.max_tries) for c in kwargs["cron_jobs"]]
    return {
        **kwargs,
        "functions": [*kwargs["functions"], *crons],
        "cron_jobs": [],
        "redis_pool": pool,
        "burst": True,
        "poll_delay": 0,
        "handle_signals": False,
    }


async def drain(settings: Settings, pool: ArqRedis, options: WorkerOptions = E2E_OPTIONS) -> Worker:
    """Run a real arq worker in burst mode until the queue is empty (deferred retries included)."""
    worker = Worker(**burst_worker_kwargs(settings, pool, options))
    try:
        await worker.main()
    finally:
        # What `Worker.close` would do, minus closing the pool: the test's fixture owns it.
        await shutdown(worker.ctx)
    return worker
