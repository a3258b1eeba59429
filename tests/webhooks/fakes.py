"""In-memory stand-ins for the delivery log and the job queue, with the contract of `bot.webhooks`' protocols."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from bot.webhooks import Outcome, QueuedJob


@dataclass
class DeliveryRow:
    event: str
    action: str | None
    installation_id: int | None
    outcome: Outcome | None = None
    reason: str | None = None
    attempts: int = 1
    #: The queued job, as the webhook recorded it.
    job: QueuedJob | None = None

    @property
    def job_id(self) -> str | None:
        return None if self.job is None else self.job.id


@dataclass
class MemoryRecorder:
    """Unique on the delivery id; a delivery marked failed is accepted again (GitHub's redelivery)."""

    deliveries: dict[str, DeliveryRow] = field(default_factory=dict)
    #: Raised by record_delivery while set (the database is down).
    record_error: Exception | None = None
    #: Raised by mark_delivery for these outcomes while set.
    mark_error: Exception | None = None
    failing_outcomes: frozenset[Outcome] = frozenset({"queued", "ignored"})
    #: When set, record_delivery waits for it (a database that hangs).
    hang: asyncio.Event | None = None

    async def record_delivery(
        self, delivery_id: str, *, event: str, action: str | None, installation_id: int | None
    ) -> bool:
        if self.hang is not None:
            await self.hang.wait()
        if self.record_error is not None:
            raise self.record_error
        earlier = self.deliveries.get(delivery_id)
        if earlier is not None and earlier.outcome != "failed":
            return False
        attempts = earlier.attempts + 1 if earlier else 1
        self.deliveries[delivery_id] = DeliveryRow(event, action, installation_id, attempts=attempts)
        return True

    async def mark_delivery(
        self, delivery_id: str, *, outcome: Outcome, reason: str | None, job: QueuedJob | None = None
    ) -> None:
        if self.mark_error is not None and outcome in self.failing_outcomes:
            raise self.mark_error
        row = self.deliveries[delivery_id]
        row.outcome, row.reason, row.job = outcome, reason, job


@dataclass
class MemoryEnqueuer:
    """Keeps one job per id, like arq: a second job with the same id is dropped."""

    jobs: dict[str, QueuedJob] = field(default_factory=dict)
    #: Raised by enqueue while set (Redis is down).
    error: Exception | None = None

    async def enqueue(self, job_name: str, payload: dict[str, Any], job_id: str) -> bool:
        if self.error is not None:
            raise self.error
        if job_id in self.jobs:
            return False
        self.jobs[job_id] = QueuedJob(job_id, job_name, payload)
        return True
