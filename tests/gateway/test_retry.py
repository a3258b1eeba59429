"""The retry decision githubkit is given: short waits only, never githubkit's 60-second reading of a zero wait."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from githubkit.exception import (
    PrimaryRateLimitExceeded,
    RequestError,
    RequestFailed,
    RequestTimeout,
    SecondaryRateLimitExceeded,
)
from githubkit.response import Response

from bot.github import ShortRetry
from bot.github.retry import MIN_WAIT_SECONDS

URL = "https://api.github.com/repos/octo-org/widgets/pulls/7"


def answer(status: int, method: str = "GET") -> Response[Any]:
    return Response(httpx.Response(status, json={"message": "x"}, request=httpx.Request(method, URL)), Any)


def secondary(seconds: float) -> SecondaryRateLimitExceeded:
    return SecondaryRateLimitExceeded(answer(403), timedelta(seconds=seconds))


RETRY = ShortRetry(max_retries=2, max_wait=3.0, server_error_wait=1.0)


def test_a_short_rate_limit_wait_is_taken_inside() -> None:
    assert RETRY(secondary(2), 0) == (True, timedelta(seconds=2))
    assert RETRY(PrimaryRateLimitExceeded(answer(403), timedelta(seconds=3)), 1) == (True, timedelta(seconds=3))


def test_a_zero_wait_becomes_a_short_one() -> None:
    do_retry, wait = RETRY(secondary(0), 0)

    assert do_retry
    assert wait == timedelta(seconds=MIN_WAIT_SECONDS)
    assert wait  # githubkit sleeps 60 s when the wait is falsy


@pytest.mark.parametrize("seconds", [3.5, 60, 3600])
def test_a_long_rate_limit_wait_is_left_to_the_job(seconds: float) -> None:
    assert RETRY(secondary(seconds), 0) == (False, None)


def test_server_errors_back_off_and_stop_after_two_retries() -> None:
    failed = RequestFailed(answer(502))

    assert [RETRY(failed, count) for count in range(3)] == [
        (True, timedelta(seconds=1)),
        (True, timedelta(seconds=2)),
        (False, None),
    ]


@pytest.mark.parametrize(("method", "retried"), [("GET", True), ("PATCH", True), ("POST", False)])
def test_only_idempotent_requests_are_sent_again_after_a_server_error(method: str, retried: bool) -> None:
    assert RETRY(RequestFailed(answer(503, method)), 0).do_retry is retried


CHECK_RUN = "https://api.github.com/repos/octo-org/widgets/check-runs/5"
NOTE = {"path": "a.py", "start_line": 1, "end_line": 1, "annotation_level": "notice", "message": "m"}


@pytest.mark.parametrize(
    ("url", "body", "retried"),
    [
        (CHECK_RUN, {"output": {"title": "t", "summary": "s", "annotations": [NOTE]}}, False),
        (CHECK_RUN, {"conclusion": "success", "output": {"title": "t", "summary": "s", "annotations": []}}, True),
        (CHECK_RUN, {"conclusion": "success", "output": {"title": "t", "summary": "s"}}, True),
        # The word in a comment's text, or an annotation-like body elsewhere, is not a check run's annotations.
        ("https://api.github.com/repos/octo-org/widgets/issues/comments/9", {"body": '"annotations": [1]'}, True),
        ("https://api.github.com/repos/octo-org/widgets/issues/9", {"output": {"annotations": [NOTE]}}, True),
    ],
)
def test_a_check_run_update_carrying_annotations_is_not_sent_again(url: str, body: object, retried: bool) -> None:
    request = httpx.Request("PATCH", url, json=body)
    failed = RequestFailed(Response(httpx.Response(502, json={"message": "x"}, request=request), Any))

    assert RETRY(failed, 0).do_retry is retried


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_errors_are_not_retried(status: int) -> None:
    assert RETRY(RequestFailed(answer(status)), 0) == (False, None)


def test_a_timeout_is_not_retried() -> None:
    timeout = RequestTimeout(httpx.ReadTimeout("timed out", request=httpx.Request("GET", URL)))

    assert RETRY(timeout, 0) == (False, None)


def dropped(method: str) -> RequestError[httpx.RemoteProtocolError]:
    return RequestError(httpx.RemoteProtocolError("Server disconnected", request=httpx.Request(method, URL)))


def test_a_connection_dropped_before_any_answer_is_retried_at_once_once_for_idempotent_requests() -> None:
    assert RETRY(dropped("GET"), 0) == (True, timedelta(seconds=MIN_WAIT_SECONDS))
    assert RETRY(dropped("GET"), 1) == (False, None)
    # A POST may have reached GitHub before the connection went: repeating it could duplicate content.
    assert RETRY(dropped("POST"), 0) == (False, None)


def test_a_timeout_is_not_a_dropped_connection() -> None:
    hung = RequestTimeout(httpx.ReadTimeout("timed out", request=httpx.Request("GET", URL)))
    assert RETRY(hung, 0) == (False, None)
