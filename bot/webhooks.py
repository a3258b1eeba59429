"""The webhook route: cap the body, check the signature, route, record the delivery, queue the job.

It answers within GitHub's 10 s and does nothing slow: no GitHub call, no review. The delivery store and the
job queue come in as small protocols, so the route is tested with in-memory fakes and `bot/app.py` plugs in
the database store and the arq pool.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

from arq.connections import ArqRedis
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bot.payloads import action_of, installation_id_of
from bot.routing import Ignore, Pong, Route, route
from bot.signature import SIGNATURE_HEADER, verify

log = logging.getLogger(__name__)

PATH = "/webhooks/github"
#: GitHub caps webhook payloads at 25 MB and does not send larger ones (MiB here: the lenient reading).
MAX_BODY_BYTES = 25 * 1024 * 1024
#: Each call to the store or the queue gets this long. A delivery makes at most four (record, enqueue, mark,
#: mark failed), so a hung dependency still ends in a 503 with the delivery marked failed inside the 10 s
#: GitHub waits; past those 10 s GitHub counts the delivery failed whatever we answer.
DEPENDENCY_TIMEOUT_SECONDS = 2.0
EVENT_HEADER = "X-GitHub-Event"
DELIVERY_HEADER = "X-GitHub-Delivery"
#: An event name (`pull_request`) or a delivery id (a UUID) as GitHub sends them; neither header is signed, and
#: both are stored in columns of 64 characters.
_HEADER_VALUE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
#: A reason is kept this long at most (it may quote the payload: a branch name, a comment's first word).
MAX_REASON_CHARS = 500

Outcome = Literal["queued", "ignored", "failed"]
T = TypeVar("T")


@dataclass(frozen=True)
class QueuedJob:
    """The job a delivery queued: its id in the queue, the task and the task's one argument. The delivery keeps
    it, so that a job Redis loses can be queued again (`bot.requeue`)."""

    id: str
    name: str
    payload: dict[str, Any]


class DeliveryRecorder(Protocol):
    """The delivery log, unique on GitHub's delivery id (a redelivery reuses the id)."""

    async def record_delivery(
        self, delivery_id: str, *, event: str, action: str | None, installation_id: int | None
    ) -> bool:
        """Record a received delivery. True when it is new, or when its earlier attempt was marked `failed`
        (GitHub's redelivery after a 503 must be accepted); False when it was already received."""
        ...

    async def mark_delivery(
        self, delivery_id: str, *, outcome: Outcome, reason: str | None, job: QueuedJob | None = None
    ) -> None:
        """Set what became of a recorded delivery; a queued one keeps its job."""
        ...


class JobEnqueuer(Protocol):
    async def enqueue(self, job_name: str, payload: dict[str, Any], job_id: str) -> bool:
        """Queue `job_name(payload)` under `job_id`. True when queued now, False when a job with that id
        already exists (queued, running or recently finished): both mean the work is in hand."""
        ...


SecretProvider = Callable[[], str | bytes | None]


class ArqEnqueuer:
    """`JobEnqueuer` over an arq pool: the payload is the job's single argument."""

    def __init__(self, pool: ArqRedis, *, queue_name: str | None = None) -> None:
        self._pool = pool
        self._queue_name = queue_name

    async def enqueue(self, job_name: str, payload: dict[str, Any], job_id: str) -> bool:
        job = await self._pool.enqueue_job(job_name, payload, _job_id=job_id, _queue_name=self._queue_name)
        # arq answers None when a job with this id exists: the same work is already in hand, not an error.
        return job is not None


class _RejectedError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.response = JSONResponse({"detail": detail}, status_code=status)


async def _read_capped_body(request: Request, limit: int) -> bytes:
    """The raw body, or `_RejectedError` 413 once it is known to exceed `limit` bytes (without reading more)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            raise _RejectedError(400, "invalid Content-Length")
        if int(declared) > limit:
            raise _RejectedError(413, f"payload larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _RejectedError(413, f"payload larger than {limit} bytes")
    return bytes(body)


def webhook_router(
    *,
    secret_provider: SecretProvider,
    recorder: DeliveryRecorder,
    enqueuer: JobEnqueuer,
    app_id: int,
    max_body_bytes: int = MAX_BODY_BYTES,
    dependency_timeout: float = DEPENDENCY_TIMEOUT_SECONDS,
) -> APIRouter:
    """`POST /webhooks/github`. `secret_provider` is asked on every delivery (the secret may be set at run time)."""
    receiver = _Receiver(secret_provider, recorder, enqueuer, app_id, max_body_bytes, dependency_timeout)
    router = APIRouter()
    router.add_api_route(PATH, receiver.receive, methods=["POST"], status_code=202, name="github_webhook")
    return router


@dataclass(frozen=True)
class _Receiver:
    secret_provider: SecretProvider
    recorder: DeliveryRecorder
    enqueuer: JobEnqueuer
    app_id: int
    max_body_bytes: int
    dependency_timeout: float

    async def receive(self, request: Request) -> JSONResponse:
        try:
            body = await _read_capped_body(request, self.max_body_bytes)
        except _RejectedError as rejected:
            return rejected.response
        # The signature is checked before anything in the body is looked at.
        if not verify(self.secret_provider(), body, request.headers.get(SIGNATURE_HEADER)):
            return JSONResponse({"detail": "invalid signature"}, status_code=401)
        event = request.headers.get(EVENT_HEADER)
        delivery_id = request.headers.get(DELIVERY_HEADER)
        if not event or not delivery_id:
            return JSONResponse({"detail": f"missing {EVENT_HEADER} or {DELIVERY_HEADER} header"}, status_code=400)
        if not (_HEADER_VALUE.fullmatch(event) and _HEADER_VALUE.fullmatch(delivery_id)):
            return JSONResponse({"detail": f"invalid {EVENT_HEADER} or {DELIVERY_HEADER} header"}, status_code=400)
        try:
            # GitHub sends UTF-8; json.loads would also take UTF-16 or UTF-32 bytes. Nesting deeper than the
            # interpreter's recursion limit raises RecursionError, not ValueError.
            payload = json.loads(body.decode("utf-8"))
        except (ValueError, RecursionError):
            return JSONResponse({"detail": "body is not JSON"}, status_code=400)
        if not isinstance(payload, dict):
            return JSONResponse({"detail": "body is not a JSON object"}, status_code=400)
        decision = route(event, payload, app_id=self.app_id, delivery_id=delivery_id)
        if isinstance(decision, Ignore):
            decision = dataclasses.replace(decision, reason=_storable(decision.reason))
        return await self._settle(decision, delivery_id=delivery_id, event=event, payload=payload)

    async def _settle(
        self, decision: Route | Ignore, *, delivery_id: str, event: str, payload: dict[str, Any]
    ) -> JSONResponse:
        """Record the delivery, then queue its job or note why not; a failing store or queue gives 503."""
        action = action_of(payload)
        # Not "event": that key is the log line's own name in structlog.
        context = {"delivery_id": delivery_id, "github_event": event, "action": action}
        try:
            new = await self._within_budget(
                self.recorder.record_delivery(
                    delivery_id, event=event, action=action, installation_id=installation_id_of(payload)
                )
            )
        except Exception:
            log.exception("webhook_record_failed", extra=context)
            return _unavailable()
        if not new:
            log.info("webhook_duplicate", extra=context)
            return JSONResponse({"status": "duplicate", "reason": "already received"}, status_code=200)
        try:
            if isinstance(decision, Route):
                job = QueuedJob(decision.job_id, decision.job_name, decision.job.to_queue())
                queued_now = await self._within_budget(self.enqueuer.enqueue(job.name, job.payload, job.id))
                await self._within_budget(
                    self.recorder.mark_delivery(delivery_id, outcome="queued", reason=None, job=job)
                )
                log.info("webhook_queued", extra={**context, "job_id": job.id, "queued_now": queued_now})
                return JSONResponse({"status": "queued", "job_id": job.id}, status_code=202)
            await self._mark(delivery_id, "ignored", decision.reason)
        except Exception as error:
            log.exception("webhook_enqueue_failed", extra=context)
            await self._mark_failed(delivery_id, error)
            return _unavailable()
        log.info("webhook_ignored", extra={**context, "reason": decision.reason})
        if isinstance(decision, Pong):
            return JSONResponse({"status": "pong", "zen": decision.zen}, status_code=200)
        return JSONResponse({"status": "ignored", "reason": decision.reason}, status_code=200)

    async def _within_budget(self, call: Awaitable[T]) -> T:
        async with asyncio.timeout(self.dependency_timeout):
            return await call

    async def _mark(self, delivery_id: str, outcome: Outcome, reason: str | None) -> None:
        await self._within_budget(self.recorder.mark_delivery(delivery_id, outcome=outcome, reason=reason))

    async def _mark_failed(self, delivery_id: str, error: BaseException) -> None:
        # So that GitHub's redelivery of this id is accepted rather than answered "duplicate".
        try:
            await self._mark(delivery_id, "failed", type(error).__name__)
        except Exception:
            log.exception("webhook_mark_failed_failed", extra={"delivery_id": delivery_id})


def _storable(text: str) -> str:
    """`text` as any database stores it: no NUL (PostgreSQL refuses it), no lone surrogate (no encoding takes
    one), and not longer than MAX_REASON_CHARS. A reason quoting a hostile payload must not turn a delivery that
    can only be ignored into a 503 that GitHub redelivers forever."""
    text = text.encode("utf-8", "replace").decode("utf-8").replace("\0", "\ufffd")
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 3] + "..."


def _unavailable() -> JSONResponse:
    return JSONResponse({"detail": "temporarily unavailable; redeliver later"}, status_code=503)
