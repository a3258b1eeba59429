"""Jobs Redis lost: the deliveries the webhook queued whose job Redis no longer knows are queued again.

A Redis that restarts without its data (no append-only file, a new host, a failover to an empty replica) loses
the jobs queued in it. GitHub's log shows their deliveries delivered (the webhook answered 202), so no
redelivery is asked for; our deliveries table still says `queued`, with each job's function and argument.

arq keeps a job in its queue while it waits, is deferred or runs, and its result under its id for
`keep_result` seconds once it ends. So a delivery queued less than `keep_result` ago whose job Redis knows
neither way lost its job; an older one may have finished and its result expired, and is left alone. Each
run of the redelivery (`bot.redelivery`) queues such jobs again under their own ids, oldest first.

A job that queues another (`/debtbot review` queues the review) is recovered with it: a Redis that restarts
empty loses both, and the first, queued again, queues the second again. A Redis that drops single keys (an
eviction policy other than `noeviction`) could lose the second alone, which nothing queues again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from arq.connections import ArqRedis
from arq.constants import job_key_prefix, result_key_prefix
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Delivery, DeliveryOutcome
from bot.logging import get_logger
from bot.metrics import count_redelivery

log = get_logger(__name__)

#: Kept off the end of `keep_result`: the web app's and the worker's clocks, and the time a run takes.
MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class LostJobs:
    """Finds and queues again the jobs of queued deliveries that Redis lost."""

    sessions: async_sessionmaker[AsyncSession]
    pool: ArqRedis
    queue_name: str
    #: arq's `keep_result` of the workers, in seconds.
    keep_result: float
    #: Jobs queued again in one run at most.
    limit: int = 500

    async def requeue(self, now: datetime) -> list[str]:
        """Queue again the lost jobs of deliveries received since `keep_result` (less the margin); their ids."""
        window = timedelta(seconds=self.keep_result) - MARGIN
        if window <= timedelta(0):
            return []  # results are not kept long enough to tell a lost job from a finished one
        queued = await self._queued_since(now - window)
        missing = await self._missing({job_id for _, job_id, _, _ in queued})
        requeued: list[str] = []
        for delivery_id, job_id, job_name, payload in queued:
            if len(requeued) >= self.limit:
                break
            if job_id not in missing:
                continue
            # arq refuses an id it holds: queued meanwhile (by another delivery of the job, say).
            if await self.pool.enqueue_job(job_name, payload, _job_id=job_id, _queue_name=self.queue_name) is None:
                continue
            log.warning("lost_job_requeued", delivery_id=delivery_id, job_id=job_id, job_name=job_name)
            count_redelivery("requeued")
            requeued.append(job_id)
        return requeued

    async def _missing(self, job_ids: set[str]) -> set[str]:
        """The ids Redis holds neither as a job (waiting, deferred or running) nor as a result, in one round trip."""
        ordered = sorted(job_ids)
        async with self.pool.pipeline(transaction=False) as pipe:
            for job_id in ordered:
                pipe.exists(job_key_prefix + job_id, result_key_prefix + job_id)
            held = await pipe.execute()
        return {job_id for job_id, count in zip(ordered, held, strict=True) if not count}

    async def _queued_since(self, since: datetime) -> list[tuple[str, str, str, object]]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(Delivery.delivery_id, Delivery.job_id, Delivery.job_name, Delivery.job_payload)
                .where(
                    Delivery.outcome == DeliveryOutcome.QUEUED,
                    Delivery.received_at >= since,
                    Delivery.job_id.is_not(None),
                    Delivery.job_name.is_not(None),
                )
                .order_by(Delivery.received_at)
            )
            return [(d, j, n, p) for d, j, n, p in rows if j is not None and n is not None]
