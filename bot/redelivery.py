"""Redelivery of failed webhook deliveries: GitHub never delivers a failed one again by itself.

Every `interval` (and at once when a worker starts) one worker of the fleet, whichever takes the Redis lock
first, reads the App's delivery log (`GET /app/hook/deliveries`) newest first, down to where the last
complete read ended: the watermark. The log lists every attempt, redeliveries included, under the event's
guid; a guid whose attempts all failed (status not 2xx) is kept as pending in Redis, and dropped as soon as
an attempt of it succeeds. A read cut short by `max_pages` keeps GitHub's cursor and resumes there on the
next run, so no run pages through the whole log again.

Each run then asks GitHub to deliver again up to `max_per_run` pending guids, oldest first, each at most
once per `window`, unless our own deliveries table shows the webhook took it (GitHub counts a slow answer
as failed even when the job was queued). GitHub redelivers for three days (`lookback`): older guids are
dropped, as are those GitHub refuses to deliver again.

Each run first queues again the jobs of deliveries the webhook took whose job Redis lost (`bot.requeue`):
GitHub's log shows those delivered, so no redelivery would ever bring them back.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from githubkit.exception import GitHubException, RateLimitExceeded, RequestFailed
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Delivery as DeliveryRow
from bot.db.models import DeliveryOutcome
from bot.github import Delivery, GitHubApp
from bot.logging import get_logger
from bot.metrics import count_redelivery
from bot.requeue import LostJobs
from bot.settings import Settings
from bot.worker_context import WorkerDeps

log = get_logger(__name__)

#: GitHub redelivers a delivery for three days.
LOOKBACK = timedelta(days=3)
#: A guid is asked for again at most once in this long: its redelivery needs time to show in the log.
WINDOW = timedelta(hours=1)
#: Pages of 100 deliveries read in one run at most; a longer read resumes at the next run.
MAX_PAGES_PER_RUN = 10
#: Our deliveries table's outcomes that mean the webhook took the event (a redelivery would be a duplicate).
TAKEN = (DeliveryOutcome.QUEUED, DeliveryOutcome.IGNORED)
#: Guids looked up in the deliveries table per query.
LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class RedeliveryPolicy:
    """How often and how much: `interval` seconds between runs (0: never), bounds per run."""

    interval: float
    max_per_run: int
    max_pages: int = MAX_PAGES_PER_RUN
    window: timedelta = WINDOW
    lookback: timedelta = LOOKBACK

    @classmethod
    def of(cls, settings: Settings) -> RedeliveryPolicy:
        return cls(interval=settings.redelivery_interval_minutes * 60.0, max_per_run=settings.redelivery_max_per_run)


@dataclass
class RunReport:
    """What one run did (logged, and what the tests read)."""

    pages: int = 0
    scanned: int = 0
    scan_complete: bool = False
    pending: int = 0
    requested: list[str] = field(default_factory=list)  # guids
    taken: int = 0  # pending guids our deliveries table shows the webhook took
    refused: int = 0
    expired: int = 0
    requeued: list[str] = field(default_factory=list)  # job ids Redis lost, queued again (`bot.requeue`)


@dataclass(frozen=True)
class Pending:
    """A guid none of whose attempts succeeded: its newest failed attempt, and when it first failed."""

    attempt_id: int
    first_failed: datetime

    def dumps(self) -> str:
        return json.dumps({"id": self.attempt_id, "at": self.first_failed.isoformat()})

    @classmethod
    def loads(cls, raw: bytes | str) -> Pending:
        data = json.loads(raw)
        return cls(int(data["id"]), datetime.fromisoformat(str(data["at"])))

    def merged(self, delivery: Delivery) -> Pending:
        return Pending(max(self.attempt_id, delivery.id), min(self.first_failed, delivery.delivered_at))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedeliveryState:
    """What the runs remember in Redis, shared by every worker of one queue."""

    def __init__(self, redis: Redis, queue_name: str) -> None:
        self.redis = redis
        prefix = f"{queue_name}:redelivery"
        self.lock_key = f"{prefix}:lock"
        self.scan_key = f"{prefix}:scan"  # watermark, and the top and cursor of a read in progress
        self.pending_key = f"{prefix}:pending"  # guid -> Pending
        self.delivered_key = f"{prefix}:delivered"  # guid -> when an attempt of it was seen succeed
        self.asked_prefix = f"{prefix}:asked:"

    async def take_turn(self, seconds: float) -> bool:
        """True for one caller in `seconds` across every worker: the fleet runs once an interval."""
        taken = await self.redis.set(self.lock_key, secrets.token_hex(8), nx=True, px=max(1, int(seconds * 1000)))
        return bool(taken)

    async def scan(self) -> tuple[int, int | None, str | None]:
        """The watermark, and the top delivery id and next cursor of a read in progress (None: none)."""
        raw = {_text(k): _text(v) for k, v in (await self.redis.hgetall(self.scan_key)).items()}  # type: ignore[misc]
        top = raw.get("top")
        return int(raw.get("watermark", "0")), int(top) if top else None, raw.get("cursor") or None

    async def save_progress(self, top: int, cursor: str) -> None:
        await self.redis.hset(self.scan_key, mapping={"top": str(top), "cursor": cursor})  # type: ignore[misc]

    async def finish_scan(self, watermark: int) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.scan_key, "watermark", str(watermark))
            pipe.hdel(self.scan_key, "top", "cursor")
            await pipe.execute()

    async def restart_scan(self) -> None:
        await self.redis.hdel(self.scan_key, "top", "cursor")  # type: ignore[misc]

    async def note(self, delivery: Delivery, now: datetime) -> None:
        """One attempt read from the log (newest first): a success settles its guid, a failure keeps it pending."""
        if delivery.delivered:
            await self.settle([delivery.guid], now)
            return
        if await self.redis.zscore(self.delivered_key, delivery.guid) is not None:
            return  # a later attempt of it succeeded
        raw = await self.redis.hget(self.pending_key, delivery.guid)  # type: ignore[misc]
        known = Pending.loads(raw) if raw else Pending(delivery.id, delivery.delivered_at)
        await self.redis.hset(self.pending_key, delivery.guid, known.merged(delivery).dumps())  # type: ignore[misc]

    async def settle(self, guids: Sequence[str], now: datetime) -> None:
        if not guids:
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hdel(self.pending_key, *guids)
            pipe.zadd(self.delivered_key, dict.fromkeys(guids, now.timestamp()))
            await pipe.execute()

    async def drop(self, guids: Sequence[str]) -> None:
        if guids:
            await self.redis.hdel(self.pending_key, *guids)  # type: ignore[misc]

    async def forget_before(self, moment: datetime) -> None:
        await self.redis.zremrangebyscore(self.delivered_key, "-inf", moment.timestamp())

    async def pending(self) -> dict[str, Pending]:
        raw = await self.redis.hgetall(self.pending_key)  # type: ignore[misc]
        return {_text(guid): Pending.loads(value) for guid, value in raw.items()}

    async def ask(self, guid: str, window: timedelta) -> bool:
        """True when this guid was not asked for within `window` (and marks it asked now)."""
        asked = await self.redis.set(self.asked_prefix + guid, "1", nx=True, px=int(window.total_seconds() * 1000))
        return bool(asked)

    async def unask(self, guid: str) -> None:
        await self.redis.delete(self.asked_prefix + guid)


async def taken_by_webhook(sessions: async_sessionmaker[AsyncSession], guids: Iterable[str]) -> set[str]:
    """The guids our deliveries table shows the webhook queued or ignored."""
    wanted = sorted(set(guids))
    taken: set[str] = set()
    async with sessions() as session:
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            rows = await session.scalars(
                select(DeliveryRow.delivery_id).where(
                    DeliveryRow.delivery_id.in_(chunk), DeliveryRow.outcome.in_(TAKEN)
                )
            )
            taken.update(rows)
    return taken


class Redeliverer:
    """One run: read the new part of the delivery log, then ask for the pending guids again."""

    def __init__(
        self,
        *,
        github: GitHubApp,
        state: RedeliveryState,
        sessions: async_sessionmaker[AsyncSession],
        policy: RedeliveryPolicy,
        lost_jobs: LostJobs | None = None,
    ) -> None:
        self.github = github
        self.state = state
        self.sessions = sessions
        self.policy = policy
        self.lost_jobs = lost_jobs

    async def run(self, now: datetime | None = None) -> RunReport:
        now = now or datetime.now(UTC)
        report = RunReport()
        if self.lost_jobs is not None:  # first: it needs no GitHub, which may be failing
            report.requeued = await self.lost_jobs.requeue(now)
        await self.read_log(now, report)
        await self.redeliver(now, report)
        log.info(
            "redelivery_run",
            pages=report.pages,
            scanned=report.scanned,
            scan_complete=report.scan_complete,
            pending=report.pending,
            requested=len(report.requested),
            taken=report.taken,
            refused=report.refused,
            expired=report.expired,
            requeued=len(report.requeued),
        )
        return report

    async def read_log(self, now: datetime, report: RunReport) -> None:
        since = now - self.policy.lookback
        watermark, top, cursor = await self.state.scan()
        while report.pages < self.policy.max_pages:
            try:
                page = await self.github.list_deliveries_page(cursor)
            except RequestFailed as error:
                if cursor is None or not _refused(error):
                    raise
                # A cursor GitHub no longer takes: read again from the newest, down to the watermark.
                log.warning("redelivery_cursor_refused", status=error.response.status_code)
                await self.state.restart_scan()
                top, cursor = None, None
                continue
            report.pages += 1
            if top is None:
                top = page.deliveries[0].id if page.deliveries else watermark
            finished = page.next_cursor is None
            for delivery in page.deliveries:
                if delivery.id <= watermark or delivery.delivered_at < since:
                    finished = True
                    break
                report.scanned += 1
                await self.state.note(delivery, now)
            if finished:
                await self.state.finish_scan(max(watermark, top))
                report.scan_complete = True
                return
            cursor = page.next_cursor
            assert cursor is not None
            await self.state.save_progress(top, cursor)

    async def redeliver(self, now: datetime, report: RunReport) -> None:
        await self.state.forget_before(now - self.policy.lookback)
        pending = await self.state.pending()
        expired = [guid for guid, entry in pending.items() if entry.first_failed < now - self.policy.lookback]
        await self.state.drop(expired)
        report.expired = len(expired)
        live = {guid: entry for guid, entry in pending.items() if guid not in expired}
        taken = await taken_by_webhook(self.sessions, live)
        await self.state.settle(sorted(taken), now)
        report.taken = len(taken)
        waiting = sorted(
            (entry.first_failed, entry.attempt_id, guid) for guid, entry in live.items() if guid not in taken
        )
        report.pending = len(waiting)
        for _, _, guid in waiting:
            if len(report.requested) >= self.policy.max_per_run:
                return
            if not await self.state.ask(guid, self.policy.window):
                continue
            attempt = live[guid].attempt_id
            try:
                await self.github.redeliver(attempt)
            except RequestFailed as error:
                if not _refused(error):
                    await self._stop(guid, error)
                    return
                # Older than GitHub keeps, or gone: asking again would get the same answer.
                log.warning("redelivery_refused", delivery_id=guid, status=error.response.status_code)
                count_redelivery("refused")
                await self.state.drop([guid])
                report.refused += 1
                continue
            except GitHubException as error:
                await self._stop(guid, error)
                return
            log.info("redelivery_requested", delivery_id=guid, attempt_id=attempt)
            count_redelivery("requested")
            report.requested.append(guid)

    async def _stop(self, guid: str, error: Exception) -> None:
        """GitHub is failing or limiting: the guid is asked again at the next run, and this run ends."""
        log.warning("redelivery_stopped", delivery_id=guid, error=type(error).__name__, reason=str(error)[:200])
        count_redelivery("error")
        await self.state.unask(guid)


def _refused(error: RequestFailed) -> bool:
    """A 4xx that is GitHub's answer about the request itself, not a rate limit."""
    status = error.response.status_code
    return 400 <= status < 500 and status not in (403, 429) and not isinstance(error, RateLimitExceeded)


# --- the periodic run in each worker ----------------------------------------------------------------------------


def redeliverer(deps: WorkerDeps, pool: ArqRedis, policy: RedeliveryPolicy) -> Redeliverer:
    queue_name = deps.settings.queue_name
    return Redeliverer(
        github=deps.github,
        state=RedeliveryState(pool, queue_name),
        sessions=deps.sessions,
        policy=policy,
        lost_jobs=LostJobs(deps.sessions, pool, queue_name, keep_result=deps.options.keep_result),
    )


async def run_periodically(runner: Redeliverer) -> None:
    """Until cancelled: a run now and every interval, when this worker takes the fleet's turn."""
    interval = runner.policy.interval
    while True:
        try:
            if await runner.state.take_turn(interval):
                await runner.run()
        except Exception:  # GitHub, Redis or the database failing: the next interval tries again
            log.exception("redelivery_run_failed")
        await asyncio.sleep(interval)


def start(deps: WorkerDeps) -> asyncio.Task[None] | None:
    """Start the periodic redelivery in this worker (None when turned off or the worker has no Redis)."""
    policy = RedeliveryPolicy.of(deps.settings)
    if deps.redis is None or policy.interval <= 0:
        return None
    return asyncio.create_task(run_periodically(redeliverer(deps, deps.redis, policy)), name="redelivery")


async def stop(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
