"""The webhook route's guards and failure handling: signature, size, headers, duplicates, a store or queue down."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from arq.connections import ArqRedis

from bot.webhooks import MAX_BODY_BYTES, PATH, ArqEnqueuer
from tests.webhooks.conftest import app_with, client_for
from tests.webhooks.deliveries import SECRET, Delivery, example, pr_comment
from tests.webhooks.fakes import MemoryEnqueuer, MemoryRecorder

pytestmark = pytest.mark.anyio

SYNCHRONIZE = "pull_request/synchronize.payload.json"
REVIEW_ID = "review:186853002:2:ec26c3e57ca3a959ca5aad62de7213c562f8c821"


async def post(client: httpx.AsyncClient, delivery: Delivery, headers: dict[str, str] | None = None) -> httpx.Response:
    return await client.post(PATH, content=delivery.body, headers=delivery.headers() if headers is None else headers)


# --- signature ------------------------------------------------------------------------------------------------------


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {key: value for key, value in headers.items() if key != name}


def _sha1_only(delivery: Delivery) -> dict[str, str]:
    sha1 = hmac.new(SECRET.encode(), delivery.body, hashlib.sha1).hexdigest()
    return {**_without(delivery.headers(), "X-Hub-Signature-256"), "X-Hub-Signature": f"sha1={sha1}"}


BAD_SIGNATURES: dict[str, Callable[[Delivery], dict[str, str]]] = {
    "wrong secret": lambda d: d.headers(secret="not the secret"),
    "missing": lambda d: _without(d.headers(), "X-Hub-Signature-256"),
    "sha1 only": _sha1_only,
    "no sha256= prefix": lambda d: {**d.headers(), "X-Hub-Signature-256": d.headers()["X-Hub-Signature-256"][7:]},
    "empty": lambda d: {**d.headers(), "X-Hub-Signature-256": ""},
}


@pytest.mark.parametrize("case", list(BAD_SIGNATURES))
async def test_a_bad_signature_is_refused_and_nothing_recorded(
    case: str, client: httpx.AsyncClient, recorder: MemoryRecorder, enqueuer: MemoryEnqueuer
) -> None:
    delivery = example(SYNCHRONIZE)

    response = await post(client, delivery, BAD_SIGNATURES[case](delivery))

    assert (response.status_code, response.json()) == (401, {"detail": "invalid signature"})
    assert recorder.deliveries == {}
    assert enqueuer.jobs == {}


async def test_a_tampered_body_is_refused(
    client: httpx.AsyncClient, recorder: MemoryRecorder, enqueuer: MemoryEnqueuer
) -> None:
    delivery = example(SYNCHRONIZE)
    headers = delivery.headers()
    tampered = delivery.body.replace(b'"number": 2', b'"number": 3', 1)
    assert tampered != delivery.body

    response = await client.post(PATH, content=tampered, headers=headers)

    assert (response.status_code, response.json()) == (401, {"detail": "invalid signature"})
    assert recorder.deliveries == {}
    assert enqueuer.jobs == {}


async def test_no_configured_secret_refuses_everything(recorder: MemoryRecorder, enqueuer: MemoryEnqueuer) -> None:
    delivery = example(SYNCHRONIZE)
    async with client_for(app_with(recorder, enqueuer, secret=None)) as client:
        response = await client.post(PATH, content=delivery.body, headers=delivery.headers(secret=""))

    assert response.status_code == 401
    assert recorder.deliveries == {}


async def test_the_signature_is_checked_before_the_body_is_parsed(client: httpx.AsyncClient) -> None:
    unsigned_garbage = Delivery("pull_request", b"{not json")

    response = await post(client, unsigned_garbage, unsigned_garbage.headers(secret="wrong"))

    assert response.status_code == 401


# --- request shape --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["X-GitHub-Event", "X-GitHub-Delivery"])
async def test_a_missing_github_header_is_a_bad_request(
    header: str, client: httpx.AsyncClient, recorder: MemoryRecorder
) -> None:
    delivery = example(SYNCHRONIZE)

    response = await post(client, delivery, _without(delivery.headers(), header))

    assert response.status_code == 400
    assert response.json() == {"detail": "missing X-GitHub-Event or X-GitHub-Delivery header"}
    assert recorder.deliveries == {}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"action": "opened"', "body is not JSON"),
        (b"\xff\xfe{}", "body is not JSON"),
        (b"[1]", "body is not a JSON object"),
    ],
)
async def test_a_signed_body_that_is_not_a_json_object_is_a_bad_request(
    body: bytes, detail: str, client: httpx.AsyncClient, recorder: MemoryRecorder
) -> None:
    response = await post(client, Delivery("pull_request", body))

    assert (response.status_code, response.json()) == (400, {"detail": detail})
    assert recorder.deliveries == {}


# --- size -----------------------------------------------------------------------------------------------------------


async def _chunks(count: int, size: int, pulled: list[int]) -> AsyncIterator[bytes]:
    for _ in range(count):
        pulled.append(size)
        yield b" " * size


async def test_a_declared_length_over_25_mb_is_refused_before_reading(
    client: httpx.AsyncClient, recorder: MemoryRecorder
) -> None:
    pulled: list[int] = []
    headers = {**Delivery("ping", b"{}").headers(), "Content-Length": str(MAX_BODY_BYTES + 1)}

    response = await client.post(PATH, content=_chunks(26, 1024 * 1024, pulled), headers=headers)

    assert response.status_code == 413
    assert pulled == []
    assert recorder.deliveries == {}


async def test_a_streamed_body_over_25_mb_is_cut_off(client: httpx.AsyncClient, recorder: MemoryRecorder) -> None:
    pulled: list[int] = []
    headers = _without(Delivery("ping", b"{}").headers(), "Content-Length")

    response = await client.post(PATH, content=_chunks(40, 1024 * 1024, pulled), headers=headers)

    assert response.status_code == 413
    assert sum(pulled) == 26 * 1024 * 1024  # reading stopped at the first chunk past the cap
    assert recorder.deliveries == {}


async def test_a_body_of_exactly_25_mb_is_accepted(client: httpx.AsyncClient, recorder: MemoryRecorder) -> None:
    head = b'{"zen": "Keep it logically awesome.", "hook_id": 1}'
    delivery = Delivery("ping", head + b" " * (MAX_BODY_BYTES - len(head)))
    assert len(delivery.body) == MAX_BODY_BYTES

    response = await post(client, delivery)

    assert (response.status_code, response.json()["status"]) == (200, "pong")
    assert recorder.deliveries[delivery.delivery_id].outcome == "ignored"


async def test_an_invalid_content_length_is_a_bad_request(client: httpx.AsyncClient) -> None:
    pulled: list[int] = []
    headers = {**Delivery("ping", b"{}").headers(), "Content-Length": "12x"}

    response = await client.post(PATH, content=_chunks(1, 2, pulled), headers=headers)

    assert response.status_code == 400


# --- redelivery -----------------------------------------------------------------------------------------------------


async def test_a_redelivery_is_a_duplicate_and_queues_nothing_more(
    client: httpx.AsyncClient, recorder: MemoryRecorder, enqueuer: MemoryEnqueuer
) -> None:
    delivery = example(SYNCHRONIZE)

    first = await post(client, delivery)
    again = await post(client, delivery)

    assert first.status_code == 202
    assert (again.status_code, again.json()) == (200, {"status": "duplicate", "reason": "already received"})
    assert list(enqueuer.jobs) == [REVIEW_ID]
    assert recorder.deliveries[delivery.delivery_id].attempts == 1


async def test_an_ignored_delivery_redelivered_is_a_duplicate_too(
    client: httpx.AsyncClient, recorder: MemoryRecorder
) -> None:
    delivery = example("pull_request/labeled.payload.json")

    await post(client, delivery)
    again = await post(client, delivery)

    assert again.json()["status"] == "duplicate"


async def test_a_second_delivery_of_the_same_head_is_queued_once(
    client: httpx.AsyncClient, recorder: MemoryRecorder, enqueuer: MemoryEnqueuer
) -> None:
    opened = example("pull_request/opened.payload.json")
    synchronize = example(SYNCHRONIZE)

    answers = [await post(client, opened), await post(client, synchronize)]

    assert [answer.json() for answer in answers] == [{"status": "queued", "job_id": REVIEW_ID}] * 2
    assert list(enqueuer.jobs) == [REVIEW_ID]
    assert recorder.deliveries[synchronize.delivery_id].outcome == "queued"


# --- a store or the queue down --------------------------------------------------------------------------------------


async def test_the_delivery_store_down_is_503_and_nothing_queued(
    client: httpx.AsyncClient, recorder: MemoryRecorder, enqueuer: MemoryEnqueuer
) -> None:
    recorder.record_error = ConnectionRefusedError("database is down")
    delivery = example(SYNCHRONIZE)

    response = await post(client, delivery)

    assert response.status_code == 503
    assert recorder.deliveries == {}
    assert enqueuer.jobs == {}

    recorder.record_error = None
    assert (await post(client, delivery)).status_code == 202


async def test_the_queue_down_is_503_and_the_redelivery_is_accepted(
    client: httpx.AsyncClient, recorder: MemoryRecorder, enqueuer: MemoryEnqueuer
) -> None:
    enqueuer.error = ConnectionError("redis is down")
    delivery = example(SYNCHRONIZE)

    response = await post(client, delivery)

    assert response.status_code == 503
    row = recorder.deliveries[delivery.delivery_id]
    assert (row.outcome, row.reason, row.job_id) == ("failed", "ConnectionError", None)

    enqueuer.error = None
    redelivered = await post(client, delivery)

    assert (redelivered.status_code, redelivered.json()) == (202, {"status": "queued", "job_id": REVIEW_ID})
    assert list(enqueuer.jobs) == [REVIEW_ID]
    assert recorder.deliveries[delivery.delivery_id].attempts == 2


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_a_real_arq_pool_with_redis_unreachable_gives_503_and_marks_failed(recorder: MemoryRecorder) -> None:
    pool = ArqRedis(host="127.0.0.1", port=_closed_port(), socket_connect_timeout=1)
    delivery = example(SYNCHRONIZE)
    try:
        async with client_for(app_with(recorder, ArqEnqueuer(pool))) as client:
            response = await post(client, delivery)
    finally:
        await pool.aclose()

    assert response.status_code == 503
    assert recorder.deliveries[delivery.delivery_id].outcome == "failed"


async def test_a_failure_to_mark_queued_is_503_and_the_redelivery_finds_the_job_in_hand(
    client: httpx.AsyncClient, recorder: MemoryRecorder, enqueuer: MemoryEnqueuer
) -> None:
    recorder.mark_error = ConnectionResetError("database went away")
    delivery = example(SYNCHRONIZE)

    response = await post(client, delivery)

    assert response.status_code == 503
    assert recorder.deliveries[delivery.delivery_id].outcome == "failed"
    assert list(enqueuer.jobs) == [REVIEW_ID]  # queued before the store failed: the job id keeps it single

    recorder.mark_error = None
    assert (await post(client, delivery)).json() == {"status": "queued", "job_id": REVIEW_ID}
    assert list(enqueuer.jobs) == [REVIEW_ID]


async def test_a_failure_to_mark_ignored_is_503(client: httpx.AsyncClient, recorder: MemoryRecorder) -> None:
    recorder.mark_error = ConnectionResetError("database went away")
    delivery = example("pull_request/labeled.payload.json")

    response = await post(client, delivery)

    assert response.status_code == 503
    assert recorder.deliveries[delivery.delivery_id].outcome == "failed"


async def test_a_hanging_store_is_503_within_the_budget(recorder: MemoryRecorder, enqueuer: MemoryEnqueuer) -> None:
    recorder.hang = asyncio.Event()
    async with client_for(app_with(recorder, enqueuer, dependency_timeout=0.05)) as client:
        response = await post(client, example(SYNCHRONIZE))

    assert response.status_code == 503
    assert enqueuer.jobs == {}


# --- commands and other apps over HTTP ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "job_name"),
    [("/debtbot review", "review_comment_command"), ("/debtbot accept CODE001 ok", "accept_command")],
)
async def test_a_command_on_a_pull_request_is_queued(
    body: str, job_name: str, client: httpx.AsyncClient, enqueuer: MemoryEnqueuer
) -> None:
    payload = pr_comment(body)

    response = await post(client, Delivery.of("issue_comment", payload))

    assert response.status_code == 202
    job_id = response.json()["job_id"]
    # Keyed by the comment (in the signed body), not by the delivery header.
    assert job_id == f"{job_name}:186853002:1:{payload['comment']['id']}"
    assert enqueuer.jobs[job_id].name == job_name
    assert enqueuer.jobs[job_id].payload["pr_number"] == 1


async def test_another_apps_check_run_is_ignored_over_http(client: httpx.AsyncClient, enqueuer: MemoryEnqueuer) -> None:
    payload = json.loads(example("check_run/rerequested.payload.json").body)

    response = await post(client, Delivery.of("check_run", payload))

    assert response.json() == {"status": "ignored", "reason": "check_run of another app (app id 2, ours is 29310)"}
    assert enqueuer.jobs == {}
