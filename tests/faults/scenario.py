"""The moving parts of a fault scenario: the web app over HTTP, GitHub's side of the deliveries (sent, logged,
redelivered when the App asks), and waiting (bounded) until the worker has reviewed every head."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import redis.asyncio
import uvicorn
from arq.connections import RedisSettings, create_pool
from sqlalchemy import select
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot import redelivery
from bot.app import create_app
from bot.db.engine import make_engine, session_factory
from bot.db.models import Delivery as DeliveryRow
from bot.db.models import ReviewRun
from bot.redelivery import RedeliveryPolicy, RunReport
from bot.settings import Settings
from bot.signature import sign
from bot.webhooks import PATH
from bot.worker import shutdown, startup
from bot.worker_context import OPTIONS, REDIS, SETTINGS, WorkerOptions, deps_of
from tests.e2e.conftest import Delivery
from tests.fakegithub import FakeGitHub
from tests.fakegithub.state import Delivery as LoggedDelivery
from tests.worker.conftest import WEBHOOK_SECRET

#: Waits end here whatever happens, so that a broken scenario fails with what it saw instead of hanging.
SETTLE_TIMEOUT_SECONDS = 120.0
START_TIMEOUT_SECONDS = 30.0


class WebServer:
    """The web app served by uvicorn on a free loopback port, in a thread of its own (as `debtbot serve` runs it)."""

    def __init__(self, settings: Settings) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        app = create_app(settings, env_file=Path("/nonexistent/.env"))
        # Kept off the process's logging, as the fake GitHub's server is (see tests/fakegithub/server.py).
        config = uvicorn.Config(
            app, http=_QuietH11Protocol, log_config=None, log_level=None, access_log=True, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()
        return f"http://{host}:{port}"

    def __enter__(self) -> WebServer:
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self.server.started:
            self.__exit__(None, None, None)
            raise RuntimeError("the web app did not start")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.server.should_exit = True
        self.thread.join(START_TIMEOUT_SECONDS)
        self.socket.close()


class _QuietH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol without access lines."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.access_log = False


class Hookshot:
    """GitHub's side of webhook deliveries, over real HTTP: each delivery is posted signed to the App's webhook
    and logged with the answer in the fake's delivery log (where `bot.redelivery` reads it), and a delivery the
    App asks GitHub to redeliver is posted again under its id. Every (delivery id, status) answered is kept."""

    def __init__(self, fake: FakeGitHub, url: str) -> None:
        self.fake = fake
        self.url = url + PATH
        self.answers: list[tuple[str, int]] = []
        fake.receive_webhooks(self._redeliver)

    async def send(self, delivery: Delivery) -> int:
        status = await asyncio.to_thread(self._post, delivery.event, delivery.delivery_id, delivery.body)
        payload = delivery.payload
        self.fake.add_delivery(
            delivery.event,
            action=payload.get("action"),
            status_code=status,
            guid=delivery.delivery_id,
            installation_id=payload["installation"]["id"],
            repository_id=payload["repository"]["id"],
            payload=delivery.body,
        )
        return status

    async def send_all(self, deliveries: list[Delivery]) -> list[int]:
        return [await self.send(delivery) for delivery in deliveries]

    def _redeliver(self, delivery: LoggedDelivery) -> int:
        assert delivery.payload is not None
        return self._post(delivery.event, delivery.guid, delivery.payload)

    def _post(self, event: str, delivery_id: str, body: bytes) -> int:
        headers = {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery_id,
            "X-Hub-Signature-256": sign(WEBHOOK_SECRET, body),
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/faults",
        }
        # GitHub gives up on an answer after 10 s.
        status = httpx.post(self.url, content=body, headers=headers, timeout=10.0).status_code
        self.answers.append((delivery_id, status))
        return status


async def redeliver_failed(settings: Settings) -> RunReport:
    """One run of the worker's redelivery of failed deliveries (`bot.redelivery`), as its periodic task makes it:
    GitHub (the fake) then sends each delivery it was asked for again, through the `Hookshot`."""
    assert settings.redis_url is not None
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url.get_secret_value()))
    # No periodic run of its own: this one is made here.
    quiet = settings.model_copy(update={"redelivery_interval_minutes": 0})
    ctx: dict[str, Any] = {SETTINGS: quiet, OPTIONS: WorkerOptions(), REDIS: pool}
    try:
        await startup(ctx)
        runner = redelivery.redeliverer(deps_of(ctx), pool, RedeliveryPolicy.of(settings))
        return await runner.run()
    finally:
        await shutdown(ctx)
        await pool.aclose()


async def ready_checks(url: str) -> dict[str, str]:
    """What `GET /readyz` says of each dependency."""
    async with httpx.AsyncClient(base_url=url, timeout=10.0) as client:
        checks: dict[str, str] = (await client.get("/readyz")).json()["checks"]
    return checks


async def queue_is_idle(settings: Settings) -> bool:
    """No job waiting (deferred retries included) and none in progress."""
    assert settings.redis_url is not None
    client = redis.asyncio.Redis.from_url(settings.redis_url.get_secret_value())
    try:
        waiting = await client.zcard(settings.queue_name)
        running = [key async for key in client.scan_iter(match="arq:in-progress:*")]
    finally:
        await client.aclose()
    return waiting == 0 and not running


async def settle(
    settings: Settings,
    fake: FakeGitHub,
    heads: Mapping[int, str],
    *,
    describe: Callable[[], str] = str,
    timeout: float = SETTLE_TIMEOUT_SECONDS,
) -> None:
    """Until every head has a completed check run and the queue is idle; fails past `timeout` seconds, with what
    `describe()` says then (a worker's log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = all(any(run.status == "completed" for run in fake.check_runs(head_sha=sha)) for sha in heads.values())
        if done and await queue_is_idle(settings):
            return
        await asyncio.sleep(0.1)
    states = {
        number: [(r.status, r.conclusion) for r in fake.check_runs(head_sha=sha)] for number, sha in heads.items()
    }
    raise AssertionError(f"the reviews did not settle in {timeout:.0f} s: {states}\n{describe()}")


async def delivery_outcomes(settings: Settings, delivery_ids: list[str]) -> dict[str, str | None]:
    """What the delivery log says of each delivery: its outcome, or None when it was never recorded."""
    engine = make_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.execute(
                select(DeliveryRow.delivery_id, DeliveryRow.outcome).where(DeliveryRow.delivery_id.in_(delivery_ids))
            )
            found = {row.delivery_id: str(row.outcome.value) for row in rows}
    finally:
        await engine.dispose()
    return {delivery_id: found.get(delivery_id) for delivery_id in delivery_ids}


async def review_runs(settings: Settings) -> list[ReviewRun]:
    engine = make_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return list(await session.scalars(select(ReviewRun).order_by(ReviewRun.id)))
    finally:
        await engine.dispose()
