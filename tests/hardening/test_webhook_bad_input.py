"""Bad deliveries at the real web app, on SQLite and PostgreSQL with Redis: each gets a status and a reason,
nothing is recorded half-way, nothing crashes.

tests/webhooks covers the route's guards with an in-memory store (bad signatures, a missing header, a body that
is not JSON or not an object, 25 MB, redeliveries); here are the inputs a real database or the JSON reader
refuses where the in-memory store would not: NUL and lone surrogates, values longer than a column, numbers
wider than one, nesting deeper than the interpreter's stack, and names that would climb out of an API path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.db.models import DeliveryOutcome
from tests.hardening.webapp import App
from tests.webhooks.deliveries import Delivery, default_branch_push, pr_comment, with_installation

pytestmark = pytest.mark.anyio

BOTH = pytest.mark.parametrize("database_url", ["sqlite", pytest.param("postgresql", id="postgresql")], indirect=True)


def synchronize(**changes: Any) -> dict[str, Any]:
    payload = with_installation("pull_request/synchronize.payload.json")
    payload.update(changes)
    return payload


def pull_request_with(edit: Callable[[dict[str, Any]], None]) -> Delivery:
    payload = synchronize()
    edit(payload)
    return Delivery.of("pull_request", payload)


# --- refused before anything is recorded ----------------------------------------------------------------------

SIGNED_BODIES = {
    "non-UTF-8 byte in a string": b'{"action": "opened\xff"}',
    "UTF-16": json.dumps(synchronize()).encode("utf-16"),
    "UTF-8 with a byte order mark": b"\xef\xbb\xbf" + json.dumps(synchronize()).encode(),
    "binary": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
    "nested deeper than the stack": b"[" * 100_000 + b"]" * 100_000,
    "an object nested deeper than the stack": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "a 5,000-digit number": b'{"action": "opened", "installation": {"id": ' + b"9" * 5000 + b"}}",
    "NUL after the object": b'{"action": "opened"}\x00',
    "empty": b"",
}


# One app per database for all the cases of a table (starting one costs more than the cases): each case is
# checked on its own, and every case that went wrong is named.


@BOTH
async def test_a_signed_body_that_is_not_utf8_json_is_a_bad_request_and_nothing_is_recorded(app: App) -> None:
    answers = {case: await app.post(Delivery("pull_request", body)) for case, body in SIGNED_BODIES.items()}

    wrong = {case: (a.status_code, a.text) for case, a in answers.items() if a.status_code != 400}
    assert wrong == {}
    assert {a.json()["detail"] for a in answers.values()} == {"body is not JSON"}
    assert await app.rows() == []
    assert await app.queued() == []


BAD_HEADERS: dict[str, dict[str, str | bytes]] = {
    "delivery id longer than its column": {"X-GitHub-Delivery": "d" * 65},
    "delivery id with SQL in it": {"X-GitHub-Delivery": "1'; DROP TABLE deliveries; --"},
    "delivery id of non-ASCII bytes": {"X-GitHub-Delivery": "caf\xc3\xa9".encode("latin-1")},
    "event longer than its column": {"X-GitHub-Event": "e" * 65},
    "event with a space": {"X-GitHub-Event": "pull request"},
    "event with a path": {"X-GitHub-Event": "../pull_request"},
}


@BOTH
async def test_a_malformed_event_or_delivery_header_is_a_bad_request(app: App) -> None:
    expected = (400, {"detail": "invalid X-GitHub-Event or X-GitHub-Delivery header"})
    wrong = {}
    for case, headers in BAD_HEADERS.items():
        response = await app.post(Delivery.of("pull_request", synchronize()), headers)
        if (response.status_code, response.json()) != expected:
            wrong[case] = (response.status_code, response.text)

    assert wrong == {}
    assert await app.rows() == []
    assert await app.queued() == []


# --- recorded whole, as ignored with the reason ---------------------------------------------------------------


def _no_sha(payload: dict[str, Any]) -> None:
    del payload["pull_request"]["head"]["sha"]


def _no_installation(payload: dict[str, Any]) -> None:
    del payload["installation"]


def _repo_named(name: str) -> Callable[[dict[str, Any]], None]:
    def edit(payload: dict[str, Any]) -> None:
        payload["repository"]["full_name"] = name

    return edit


def _head(field: str, value: str) -> Callable[[dict[str, Any]], None]:
    def edit(payload: dict[str, Any]) -> None:
        payload["pull_request"]["head"][field] = value

    return edit


@dataclass(frozen=True)
class Ignored:
    delivery: Callable[[], Delivery]
    reason: str
    action: str | None = "synchronize"
    installation_id: int | None = 1  # the example's


IGNORED = {
    "unknown event": Ignored(lambda: Delivery.of("star", synchronize()), "star events are not handled"),
    "unknown action": Ignored(
        lambda: Delivery.of("pull_request", synchronize(action="frobnicated")),
        "pull_request.frobnicated does not change the code under review",
        action="frobnicated",
    ),
    "action with NUL": Ignored(
        lambda: Delivery.of("pull_request", synchronize(action="opened\x00")),
        "malformed payload: invalid action",
        action=None,
    ),
    "action with a lone surrogate": Ignored(
        lambda: Delivery("pull_request", json.dumps(synchronize(action="\udc80")).encode()),
        "malformed payload: invalid action",
        action=None,
    ),
    "action longer than its column": Ignored(
        lambda: Delivery.of("pull_request", synchronize(action="a" * 65)),
        "malformed payload: invalid action",
        action=None,
    ),
    "missing head sha": Ignored(lambda: pull_request_with(_no_sha), "malformed payload: missing pull_request.head.sha"),
    "missing installation": Ignored(
        lambda: pull_request_with(_no_installation), "malformed payload: missing installation", installation_id=None
    ),
    "installation id wider than 64 bits": Ignored(
        lambda: Delivery.of("pull_request", synchronize(installation={"id": 2**70})),
        "malformed payload: installation.id: Input should be less than 9223372036854775808",
        installation_id=None,
    ),
    "pull request number wider than its column": Ignored(
        lambda: pull_request_with(lambda p: p["pull_request"].update(number=2**40)),
        "malformed payload: pull_request.number: Input should be less than 2147483648",
    ),
    "repository name climbing out of the API path": Ignored(
        lambda: pull_request_with(_repo_named("../../app/installations")),
        "malformed payload: repository.full_name: Value error, not a repository's owner/name",
    ),
    "repository name with a newline": Ignored(
        lambda: pull_request_with(_repo_named("octo-org/widgets\nX-Injected: 1")),
        "malformed payload: repository.full_name: Value error, not a repository's owner/name",
    ),
    "repository named ..": Ignored(
        lambda: pull_request_with(_repo_named("octo-org/..")),
        "malformed payload: repository.full_name: Value error, not a repository's owner/name",
    ),
    "head sha that is a path": Ignored(
        lambda: pull_request_with(_head("sha", "../../../installation/repositories")),
        "malformed payload: pull_request.head.sha: Value error, not a commit id (40 or 64 lower-case hex digits)",
    ),
    "branch with NUL": Ignored(
        lambda: pull_request_with(_head("ref", "feature\x00")),
        "malformed payload: pull_request.head.ref: Value error, not a git ref name",
    ),
    "branch with ..": Ignored(
        lambda: pull_request_with(_head("ref", "a/../../b")),
        "malformed payload: pull_request.head.ref: Value error, not a git ref name",
    ),
    "push to a ref with NUL": Ignored(
        lambda: Delivery.of("push", {**default_branch_push(), "ref": "refs/heads/x\x00y"}),
        "push to refs/heads/x\ufffdy, not to the default branch master",
        action=None,
    ),
    "command word with NUL": Ignored(
        lambda: Delivery.of("issue_comment", pr_comment("/debtbot \x00rm\udc80 -rf")),
        "unknown command `/debtbot \ufffdrm?`",
        action="created",
        installation_id=4242,  # added by `pr_comment`: the example has none
    ),
}


async def _ignored_as_expected(app: App, expected: Ignored) -> list[object]:
    """What differs from `expected` for one delivery posted twice (empty when all is well)."""
    delivery = expected.delivery()
    response = await app.post(delivery)
    again = await app.post(delivery)
    got: list[object] = [response.status_code, response.json(), again.json()]
    want: list[object] = [200, {"status": "ignored", "reason": expected.reason}, DUPLICATE]
    rows = await app.rows(delivery.delivery_id)
    got.append([(r.outcome, r.reason, r.job_id, r.action, r.installation_id) for r in rows])
    want.append([(DeliveryOutcome.IGNORED, expected.reason, None, expected.action, expected.installation_id)])
    return [(g, w) for g, w in zip(got, want, strict=True) if g != w]


DUPLICATE = {"status": "duplicate", "reason": "already received"}


@BOTH
async def test_a_delivery_that_can_only_be_ignored_is_recorded_whole_with_its_reason(app: App) -> None:
    wrong = {case: await _ignored_as_expected(app, expected) for case, expected in IGNORED.items()}

    assert {case: problems for case, problems in wrong.items() if problems} == {}
    assert len(await app.rows()) == len(IGNORED)
    assert await app.queued() == []
