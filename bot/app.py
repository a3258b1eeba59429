"""The web app: the webhook route, health and readiness probes, metrics, and the status or setup page.

`create_app(settings)` builds it; its lifespan opens the database (refusing a schema that is not at this
code's head) and the Redis pool the jobs are queued in. The pool connects lazily: the app starts while
Redis is down, and says so on /readyz and with 503s to GitHub until Redis is back.
"""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from arq.connections import ArqRedis
from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from redis.asyncio import ConnectionPool
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import metrics
from bot.dashboard import mount_dashboard
from bot.db import store
from bot.db.engine import make_engine, schema_is_current, session_factory
from bot.db.models import DeliveryOutcome, Installation, Repository, ReviewRun, RunStatus, utcnow
from bot.ledger.progress import BaselineOverview, baseline_overview
from bot.logging import get_logger
from bot.settings import Settings
from bot.setup import manifest_file, page, setup_page, setup_router
from bot.webhooks import PATH as WEBHOOK_PATH
from bot.webhooks import ArqEnqueuer, Outcome, QueuedJob, webhook_router

log = get_logger(__name__)

SCHEMA_OUT_OF_DATE = "database schema is out of date: run `debtbot migrate`"
#: A probe or a scrape waits this long for the database or Redis: an orchestrator's probe times out soon after.
PROBE_TIMEOUT_SECONDS = 2.0
REDIS_CONNECT_TIMEOUT_SECONDS = 2.0
REDIS_SOCKET_TIMEOUT_SECONDS = 5.0
_T = TypeVar("_T")


class StartupError(RuntimeError):
    """The app cannot serve with this database or these settings; the message says what to do."""


@dataclass
class Resources:
    """What the lifespan opens and the routes use; empty until the app has started."""

    settings: Settings
    engine: AsyncEngine | None = None
    sessions: async_sessionmaker[AsyncSession] | None = None
    queue: ArqRedis | None = None
    _redis_pool: ConnectionPool | None = field(default=None, repr=False)

    def require_sessions(self) -> async_sessionmaker[AsyncSession]:
        if self.sessions is None:
            raise StartupError("the database is not open: the app has not started")
        return self.sessions

    def require_queue(self) -> ArqRedis:
        if self.queue is None:
            raise StartupError("the job queue is not open: the app has not started")
        return self.queue

    async def open(self) -> None:
        engine = make_engine(self.settings.database_url)
        try:
            if not await schema_is_current(engine):
                raise StartupError(SCHEMA_OUT_OF_DATE)
        except BaseException:
            await engine.dispose()
            raise
        self.engine, self.sessions = engine, session_factory(engine)
        if self.settings.redis_url is None:
            await self.close()
            raise StartupError(
                "DEBTBOT_REDIS_URL is not set: `debtbot serve` starts a private Redis when it is unset; "
                "an app served otherwise needs the URL of a Redis server"
            )
        self._redis_pool = ConnectionPool.from_url(
            self.settings.redis_url.get_secret_value(),
            socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS,
            socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
        )
        self.queue = ArqRedis(self._redis_pool, default_queue_name=self.settings.queue_name)

    async def close(self) -> None:
        if self.queue is not None:
            await self.queue.aclose()
            self.queue = None
        if self._redis_pool is not None:
            await self._redis_pool.aclose()
            self._redis_pool = None
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = self.sessions = None


class DatabaseDeliveries:
    """The webhook's delivery log in the database (`bot.db.store`), one transaction a call.

    `store.record_delivery` already takes again a delivery marked failed (or left received and stale), which
    is what GitHub's redelivery after a 503 needs; this adapter only translates the outcome's spelling.
    """

    def __init__(self, resources: Resources) -> None:
        self._resources = resources

    async def record_delivery(
        self, delivery_id: str, *, event: str, action: str | None, installation_id: int | None
    ) -> bool:
        async with self._resources.require_sessions().begin() as session:
            return await store.record_delivery(
                session, delivery_id=delivery_id, event=event, action=action, installation_id=installation_id
            )

    async def mark_delivery(
        self, delivery_id: str, *, outcome: Outcome, reason: str | None, job: QueuedJob | None = None
    ) -> None:
        async with self._resources.require_sessions().begin() as session:
            await store.mark_delivery(
                session,
                delivery_id,
                outcome=DeliveryOutcome(outcome),
                reason=reason,
                job_id=None if job is None else job.id,
                job_name=None if job is None else job.name,
                job_payload=None if job is None else job.payload,
            )


class QueueEnqueuer:
    """`bot.webhooks.ArqEnqueuer` over the pool the lifespan opened."""

    def __init__(self, resources: Resources) -> None:
        self._resources = resources

    async def enqueue(self, job_name: str, payload: dict[str, Any], job_id: str) -> bool:
        queue = self._resources.require_queue()
        return await ArqEnqueuer(queue, queue_name=self._resources.settings.queue_name).enqueue(
            job_name, payload, job_id
        )


# --- counting deliveries by what the webhook route answered ----------------------------------------------------

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

_OUTCOME_BY_STATUS = {
    202: "queued",
    401: "rejected_signature",
    413: "too_large",
    400: "bad_request",
    503: "unavailable",
}
#: The first bytes of an answer are enough to read its `status` field.
_CAPTURED_BODY_BYTES = 1024


def delivery_outcome(status: int, body: bytes) -> str:
    """The metric's outcome of one answer of the webhook route."""
    if status == 200:
        try:
            answered = json.loads(body).get("status")
        except (ValueError, AttributeError):
            answered = None
        return answered if answered in ("duplicate", "ignored", "pong") else "ignored"
    return _OUTCOME_BY_STATUS.get(status, "error")


class DeliveryMetrics:
    """ASGI middleware counting each webhook delivery by event and outcome, read from the route's answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self, scope: Scope, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
    ) -> None:
        if scope["type"] != "http" or scope["path"] != WEBHOOK_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        answer: dict[str, Any] = {"status": 500, "body": b""}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body" and len(answer["body"]) < _CAPTURED_BODY_BYTES:
                answer["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            status = int(answer["status"])
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            # An unsigned request's headers are the sender's word: its event is not believed.
            event = metrics.UNVERIFIED if status == 401 else headers.get("x-github-event")
            metrics.count_delivery(event, delivery_outcome(status, bytes(answer["body"])))


# --- probes -----------------------------------------------------------------------------------------------------


async def _within(seconds: float, call: Awaitable[_T]) -> _T:
    async with asyncio.timeout(seconds):
        return await call


async def database_check(resources: Resources) -> str:
    """`ok`, or why the database cannot serve."""
    if resources.engine is None:
        return "not open"
    try:
        current = await _within(PROBE_TIMEOUT_SECONDS, schema_is_current(resources.engine))
    except Exception as error:  # noqa: BLE001 - any failure is the answer: the database is not usable
        return f"unreachable ({type(error).__name__})"
    return "ok" if current else SCHEMA_OUT_OF_DATE


async def redis_check(resources: Resources) -> str:
    """`ok`, or why Redis cannot serve."""
    if resources.queue is None:
        return "not open"
    try:
        await _within(PROBE_TIMEOUT_SECONDS, resources.queue.ping())
    except Exception as error:  # noqa: BLE001 - any failure is the answer: Redis is not usable
        return f"unreachable ({type(error).__name__})"
    return "ok"


async def queue_depth(resources: Resources) -> int | None:
    if resources.queue is None:
        return None
    try:
        depth: int = await _within(PROBE_TIMEOUT_SECONDS, resources.queue.zcard(resources.settings.queue_name))
    except Exception:  # noqa: BLE001 - an unknown depth is shown as NaN, not as a failed scrape
        return None
    return depth


# --- the status page --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusCounts:
    installations: int
    repositories: int
    runs_last_day: int
    runs_last_week: int
    runs_in_progress: int
    baselines: BaselineOverview = field(default_factory=BaselineOverview)


async def status_counts(sessions: async_sessionmaker[AsyncSession]) -> StatusCounts:
    """What the status page shows: how many installations, repositories and recent review runs."""
    now = utcnow()
    async with sessions() as session:

        async def count(*criteria: Any, model: Any = ReviewRun) -> int:
            value = await session.scalar(select(func.count()).select_from(model).where(*criteria))
            return int(value or 0)

        return StatusCounts(
            installations=await count(Installation.suspended.is_(False), model=Installation),
            repositories=await count(Repository.removed_at.is_(None), model=Repository),
            runs_last_day=await count(ReviewRun.created_at >= now - timedelta(days=1)),
            runs_last_week=await count(ReviewRun.created_at >= now - timedelta(days=7)),
            runs_in_progress=await count(ReviewRun.status == RunStatus.IN_PROGRESS),
            baselines=await baseline_overview(session),
        )


def status_page(settings: Settings, counts: StatusCounts, depth: int | None) -> HTMLResponse:
    rows = [
        ("GitHub App id", str(settings.app_id)),
        ("Installations", str(counts.installations)),
        ("Repositories", str(counts.repositories)),
        ("Review runs, last 24 hours", str(counts.runs_last_day)),
        ("Review runs, last 7 days", str(counts.runs_last_week)),
        ("Review runs in progress", str(counts.runs_in_progress)),
        ("Jobs waiting in the queue", "unknown" if depth is None else str(depth)),
        *counts.baselines.rows(),
    ]
    table = "".join(f"<tr><th>{html.escape(name)}</th><td>{html.escape(value)}</td></tr>" for name, value in rows)
    links = (
        '<p><a href="/dashboard">dashboard</a> · <a href="/readyz">readiness</a> · <a href="/metrics">metrics</a></p>'
    )
    return page("debtbot", f"<p>debtbot is running.</p><table>{table}</table>{links}")


# --- the app ----------------------------------------------------------------------------------------------------


def create_app(settings: Settings, *, env_file: Path | None = None, manifest_path: Path | None = None) -> FastAPI:
    """The web app for `settings`. `env_file` is where the setup flow writes the App's credentials (the
    `.env` the settings are read from); `manifest_path` is the App manifest (app.yml)."""
    resources = Resources(settings)
    env_path = env_file or Path(str(Settings.model_config.get("env_file") or ".env"))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await resources.open()
        log.info("app_started", configured=settings.configured, queue=settings.queue_name)
        try:
            yield
        finally:
            await resources.close()
            log.info("app_stopped")

    app = FastAPI(title="debtbot", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.resources = resources
    app.add_middleware(DeliveryMetrics)

    def webhook_secret() -> str | None:
        return None if settings.webhook_secret is None else settings.webhook_secret.get_secret_value()

    app.include_router(
        webhook_router(
            secret_provider=webhook_secret,
            recorder=DatabaseDeliveries(resources),
            enqueuer=QueueEnqueuer(resources),
            # Unconfigured, no delivery verifies (no secret), so the id is never compared.
            app_id=settings.app_id or 0,
        )
    )
    app.include_router(setup_router(settings, env_file=env_path))
    mount_dashboard(app, settings, sessions=resources.require_sessions, redis=resources.require_queue)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Alive: the process answers. Nothing else is checked, so a restart never fixes a dependency's outage."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        database, redis = await asyncio.gather(database_check(resources), redis_check(resources))
        ready = database == "ok" and redis == "ok"
        body = {"status": "ready" if ready else "unavailable", "checks": {"database": database, "redis": redis}}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics")
    async def metrics_route() -> Response:
        metrics.set_queue_depth(await queue_depth(resources))
        content, media_type = metrics.exposition()
        return Response(content, media_type=media_type)

    @app.get("/", response_class=HTMLResponse)
    async def index(request: Request) -> HTMLResponse:
        if not settings.configured:
            return setup_page(request, settings, env_file=env_path, manifest_path=manifest_path or manifest_file())
        try:
            counts = await _within(PROBE_TIMEOUT_SECONDS, status_counts(resources.require_sessions()))
        except Exception as error:  # noqa: BLE001 - the page says the database is down rather than failing
            log.warning("status_page_database_unavailable", error=type(error).__name__)
            return page("debtbot", "<p>debtbot is running, but its database is not answering.</p>", status=503)
        return status_page(settings, counts, await queue_depth(resources))

    return app
