"""Signatures: compared in constant time, and every delivery not signed with X-Hub-Signature-256 under the
App's secret changes nothing; a replayed delivery changes nothing either.

tests/webhooks/test_signature.py checks `verify` against GitHub's published vectors and
tests/webhooks/test_route.py the route with an in-memory store; here it is the real app on SQLite and Redis.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import inspect
from collections.abc import Callable

import pytest

from bot import signature
from bot.signature import PREFIX, sign, verify
from tests.hardening.webapp import App
from tests.webhooks.deliveries import SECRET, Delivery, example, pr_comment, with_installation

pytestmark = pytest.mark.anyio

SYNCHRONIZE = "pull_request/synchronize.payload.json"


def test_every_signature_is_compared_with_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    good = sign(SECRET, b"{}")
    wrong = PREFIX + "0" * 64
    short = PREFIX + "0"

    results = [
        verify(SECRET, b"{}", header) for header in (good, wrong, short, good.upper().replace("SHA256=", PREFIX))
    ]

    assert results == [True, False, False, True]
    assert len(calls) == 4  # every well-formed header, right or wrong, long or short
    assert all(isinstance(a, bytes) and isinstance(b, bytes) for a, b in calls)
    assert calls[0] == (good.encode(), good.encode())


def test_verify_compares_digests_only_through_compare_digest() -> None:
    tree = ast.parse(inspect.getsource(signature.verify))
    compared = [node for node in ast.walk(tree) if isinstance(node, ast.Compare)]
    calls = [ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)]

    # `==`, `!=`, `in` or startswith on the digest would return at the first differing byte.
    assert [ast.unparse(node) for node in compared] == ["header is None"]
    assert calls.count("hmac.compare_digest") == 1
    assert "hashlib.sha256" in inspect.getsource(signature.sign)


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {key: value for key, value in headers.items() if key != name}


def _sha1(delivery: Delivery) -> str:
    return hmac.new(SECRET.encode(), delivery.body, hashlib.sha1).hexdigest()


REFUSED: dict[str, Callable[[Delivery], dict[str, str]]] = {
    "wrong secret": lambda d: d.headers(secret="not the secret"),
    "missing": lambda d: _without(d.headers(), "X-Hub-Signature-256"),
    "SHA-1 only (X-Hub-Signature)": lambda d: {
        **_without(d.headers(), "X-Hub-Signature-256"),
        "X-Hub-Signature": f"sha1={_sha1(d)}",
    },
    "SHA-1 digest in the SHA-256 header": lambda d: {**d.headers(), "X-Hub-Signature-256": f"sha1={_sha1(d)}"},
    "SHA-256 digest of another body": lambda d: {**d.headers(), "X-Hub-Signature-256": sign(SECRET, d.body + b" ")},
    "signed under an empty secret": lambda d: {**d.headers(), "X-Hub-Signature-256": sign("", d.body)},
    "empty": lambda d: {**d.headers(), "X-Hub-Signature-256": ""},
    "prefix alone": lambda d: {**d.headers(), "X-Hub-Signature-256": PREFIX},
}


async def test_a_delivery_not_signed_with_sha256_under_the_secret_is_refused_and_changes_nothing(app: App) -> None:
    answers = {}
    for case, headers_of in REFUSED.items():
        delivery = example(SYNCHRONIZE)
        response = await app.send(delivery.body, headers_of(delivery))
        answers[case] = (response.status_code, response.json())

    assert answers == dict.fromkeys(REFUSED, (401, {"detail": "invalid signature"}))
    assert await app.rows() == []
    assert await app.queued() == []


ROUTED: dict[str, Callable[[], Delivery]] = {
    "pull_request": lambda: example(SYNCHRONIZE),
    "issue_comment": lambda: Delivery.of("issue_comment", pr_comment("/debtbot review")),
    "installation": lambda: Delivery.of("installation", with_installation("installation/created.payload.json")),
}


async def test_a_replayed_delivery_same_id_same_body_adds_no_row_and_no_job(app: App) -> None:
    deliveries = {event: make() for event, make in ROUTED.items()}

    first = {event: (await app.post(d)).json() for event, d in deliveries.items()}
    replays = {event: [(await app.post(d)).json() for _ in range(3)] for event, d in deliveries.items()}

    assert {event: answer["status"] for event, answer in first.items()} == dict.fromkeys(ROUTED, "queued")
    assert replays == dict.fromkeys(ROUTED, [{"status": "duplicate", "reason": "already received"}] * 3)
    assert len(await app.rows()) == len(ROUTED)
    assert sorted(await app.queued()) == sorted(answer["job_id"].encode() for answer in first.values())


async def test_a_pull_request_body_replayed_under_a_new_delivery_id_queues_no_second_review(app: App) -> None:
    # The delivery id header is not signed: a replay may carry a fresh one. The review's job id is the head's,
    # so arq keeps one job for it (for as long as it holds the job's result).
    original = example(SYNCHRONIZE)
    replay = Delivery(original.event, original.body)

    answers = [(await app.post(d)).json() for d in (original, replay)]

    assert answers[0] == answers[1]
    assert len(await app.rows()) == 2
    assert await app.queued() == [answers[0]["job_id"].encode()]


async def test_a_command_replayed_under_a_new_delivery_id_runs_once(app: App) -> None:
    original = Delivery.of("issue_comment", pr_comment("/debtbot review"))
    replay = Delivery(original.event, original.body)  # the same signed body, a fresh X-GitHub-Delivery

    for delivery in (original, replay):
        assert (await app.post(delivery)).status_code == 202

    assert len(await app.queued()) == 1
