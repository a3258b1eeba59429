"""The boundary error classifier, fed the exceptions githubkit and httpx really raise for GitHub's answers.

Each answer is a real `httpx.Response` with the headers GitHub sends (rate-limit headers on every
answer, `retry-after` on secondary limits), passed through githubkit's own request path; timeouts and
refused connections come from real sockets on loopback.
"""

from __future__ import annotations

import email.utils
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from githubkit import GitHub
from githubkit.exception import (
    GitHubException,
    PrimaryRateLimitExceeded,
    RateLimitExceeded,
    RequestError,
    RequestFailed,
    RequestTimeout,
    SecondaryRateLimitExceeded,
)
from githubkit.response import Response

from bot.errors import (
    MAX_RETRY_SECONDS,
    MIN_RETRY_SECONDS,
    Bug,
    Ignore,
    RetryLater,
    TellUser,
    classify,
)

NOW = 1_790_000_000  # when the answers arrive (epoch seconds)
PULL = "/repos/octo-org/widgets/pulls/7"
DOCS = "https://docs.github.com/rest/pulls/pulls#get-a-pull-request"
RATE_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out "
    "to GitHub Support for help, please include the request ID 0400:2B5A:3C7E1F:7A3C2E:6553F1A2."
)


def github_headers(remaining: int = 4987, reset: int = NOW + 1800, retry_after: str | None = None) -> dict[str, str]:
    """What api.github.com sends with every REST answer, errors included (`retry-after` on secondary limits)."""
    extra = {"retry-after": retry_after} if retry_after is not None else {}
    return {
        "content-type": "application/json; charset=utf-8",
        "x-github-api-version-selected": "2022-11-28",
        "x-github-media-type": "github.v3; format=json",
        "x-github-request-id": "0400:2B5A:3C7E1F:7A3C2E:6553F1A2",
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-reset": str(reset),
        "x-ratelimit-used": str(5000 - remaining),
        "x-ratelimit-resource": "core",
        **extra,
    }


def error_body(status: int, message: str, errors: list[Any] | None = None, docs: str = DOCS) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if errors is not None:
        body["errors"] = errors
    return {**body, "documentation_url": docs, "status": str(status)}


def raised(
    status: int,
    body: dict[str, Any] | str,
    headers: dict[str, str] | None = None,
    *,
    accept: str | None = None,
    method: str = "GET",
    path: str = PULL,
) -> GitHubException:
    """The exception githubkit raises for this answer (no auto-retry: the classifier decides)."""

    def answer(request: httpx.Request) -> httpx.Response:
        h = headers if headers is not None else github_headers()
        if isinstance(body, str):
            return httpx.Response(status, headers={**h, "content-type": "text/html"}, text=body)
        return httpx.Response(status, headers=h, json=body)

    github = GitHub("ghs_" + "x" * 36, transport=httpx.MockTransport(answer), auto_retry=False, http_cache=False)
    with pytest.raises(GitHubException) as info:
        github.request(method, path, headers={"Accept": accept} if accept else None)
    return info.value


# --- ignore: gone, or not allowed ---------------------------------------------------------------------------


def test_a_pull_request_or_repository_that_is_gone_is_ignored() -> None:
    exc = raised(404, error_body(404, "Not Found"))

    assert type(exc) is RequestFailed
    assert classify(exc, now=NOW) == Ignore(f"gone or never there (404 on GET {PULL}): Not Found")


def test_gone_for_good_is_ignored() -> None:
    exc = raised(410, error_body(410, "Issues are disabled for this repo"), method="POST", path=PULL + "/comments")

    assert classify(exc, now=NOW) == Ignore(
        f"gone or never there (410 on POST {PULL}/comments): Issues are disabled for this repo"
    )


def test_a_permission_the_app_lacks_is_ignored_not_retried() -> None:
    exc = raised(
        403, error_body(403, "Resource not accessible by integration"), method="POST", path="/repos/o/r/check-runs"
    )

    assert type(exc) is RequestFailed  # githubkit does not take it for a rate limit: 4,987 requests remain
    assert classify(exc, now=NOW) == Ignore(
        "GitHub refused access (403 on POST /repos/o/r/check-runs): Resource not accessible by integration"
    )


# --- retry later: rate limits -------------------------------------------------------------------------------


def test_the_primary_limit_waits_until_the_reset() -> None:
    exc = raised(
        403, error_body(403, "API rate limit exceeded for installation ID 123.", docs=RATE_DOCS), github_headers(0)
    )

    assert isinstance(exc, PrimaryRateLimitExceeded)
    assert classify(exc, now=NOW) == RetryLater(1801, f"rate limit exhausted until {NOW + 1800} (403 on GET {PULL})")


@pytest.mark.parametrize(
    ("reset", "seconds"),
    [(NOW + 7200, MAX_RETRY_SECONDS), (NOW - 30, MIN_RETRY_SECONDS), (NOW + 59, 60)],
)
def test_the_wait_for_the_reset_is_clamped(reset: int, seconds: int) -> None:
    exc = raised(429, error_body(429, "API rate limit exceeded"), github_headers(0, reset))

    outcome = classify(exc, now=NOW)

    assert isinstance(outcome, RetryLater)
    assert outcome.seconds == seconds


def test_a_secondary_limit_waits_for_retry_after() -> None:
    exc = raised(403, error_body(403, SECONDARY, docs=RATE_DOCS), github_headers(4000, retry_after="60"))

    assert isinstance(exc, SecondaryRateLimitExceeded)
    assert classify(exc, now=NOW) == RetryLater(60, f"secondary rate limit (403 on GET {PULL})")


@pytest.mark.parametrize(("retry_after", "seconds"), [("120", 120), ("0", MIN_RETRY_SECONDS), ("86400", 3600)])
def test_retry_after_on_429_is_clamped(retry_after: str, seconds: int) -> None:
    exc = raised(429, error_body(429, SECONDARY), github_headers(4000, retry_after=retry_after))

    outcome = classify(exc, now=NOW)

    assert isinstance(outcome, RetryLater)
    assert outcome.seconds == seconds


def test_retry_after_may_be_an_http_date() -> None:
    when = email.utils.formatdate(NOW + 90, usegmt=True)
    # githubkit reads `retry-after` as seconds only, so the exception comes from httpx directly here.
    transport = httpx.MockTransport(
        lambda _: httpx.Response(429, headers=github_headers(4000, retry_after=when), json={})
    )
    with httpx.Client(base_url="https://api.github.com", transport=transport) as client:
        response = client.get(PULL)
    with pytest.raises(httpx.HTTPStatusError) as info:
        response.raise_for_status()

    assert classify(info.value, now=NOW) == RetryLater(90, f"secondary rate limit (429 on GET {PULL})")


def test_a_secondary_limit_without_retry_after_waits_a_minute() -> None:
    exc = raised(403, error_body(403, SECONDARY, docs=RATE_DOCS), github_headers(4000))

    assert type(exc) is RequestFailed  # githubkit only looks at the message when nothing remains
    assert classify(exc, now=NOW) == RetryLater(60, f"secondary rate limit (403 on GET {PULL})")


def test_a_secondary_limit_with_nothing_remaining_waits_until_the_reset() -> None:
    exc = raised(403, error_body(403, SECONDARY, docs=RATE_DOCS), github_headers(0, NOW + 300))

    assert isinstance(exc, SecondaryRateLimitExceeded)
    assert classify(exc, now=NOW) == RetryLater(301, f"rate limit exhausted until {NOW + 300} (403 on GET {PULL})")


def test_githubkits_own_retry_after_is_used_when_the_headers_say_nothing() -> None:
    response = httpx.Response(403, json={}, request=httpx.Request("GET", "https://api.github.com" + PULL))
    exc = RateLimitExceeded(Response(response, Any), timedelta(seconds=90))

    assert classify(exc, now=NOW) == RetryLater(90, f"rate limited (403 on GET {PULL})")


# --- retry later: GitHub or the network failed --------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_back_off_with_each_attempt(status: int) -> None:
    exc = raised(status, "<html><body>Unicorn!</body></html>")

    waits = [classify(exc, now=NOW, attempt=n) for n in (1, 2, 3, 40)]

    assert waits == [RetryLater(s, f"GitHub failed ({status} on GET {PULL})") for s in (15, 30, 60, 3600)]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback port that accepts connections and never answers."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


def test_a_timeout_is_retried(silent_server: int) -> None:
    # http_cache=False: githubkit's HTTP cache (hishel 1.4) rebuilds each request without httpx's `timeout`
    # extension, so with the cache on this request would wait forever.
    github = GitHub(
        "ghs_x", base_url=f"http://127.0.0.1:{silent_server}", timeout=0.2, auto_retry=False, http_cache=False
    )
    with pytest.raises(RequestTimeout) as info:
        github.request("GET", PULL)

    outcome = classify(info.value, now=NOW)

    assert isinstance(outcome, RetryLater)
    assert (outcome.seconds, outcome.reason) == (15, "GitHub did not answer in time (ReadTimeout)")


def test_a_refused_connection_is_retried() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    github = GitHub("ghs_x", base_url=f"http://127.0.0.1:{port}", auto_retry=False, http_cache=False)
    with pytest.raises(RequestError) as info:
        github.request("GET", PULL)

    outcome = classify(info.value, now=NOW, attempt=2)

    assert isinstance(info.value.exc, httpx.ConnectError)
    assert isinstance(outcome, RetryLater)
    assert outcome.seconds == 30
    assert outcome.reason.startswith("could not reach GitHub (ConnectError: ")


# --- tell the user ------------------------------------------------------------------------------------------


def test_a_diff_too_large_is_told_and_flagged() -> None:
    message = (
        "Sorry, the diff exceeded the maximum number of files (300). Consider using "
        "'List pull requests files' API or locally cloning the repository instead."
    )
    errors = [{"resource": "PullRequest", "field": "diff", "code": "too_large"}]
    exc = raised(406, error_body(406, message, errors), accept="application/vnd.github.diff")

    assert classify(exc, now=NOW) == TellUser(
        f"GitHub will not send this pull request's diff: {message}", too_large=True
    )


def test_a_review_with_a_bad_anchor_is_told_and_flagged() -> None:
    problem = (
        "Pull request review thread line must be part of the diff and "
        "Pull request review thread diff hunk can't be blank"
    )
    exc = raised(422, error_body(422, "Unprocessable Entity", [problem]), method="POST", path=PULL + "/reviews")

    assert classify(exc, now=NOW) == TellUser(
        f"GitHub refused the request (POST {PULL}/reviews): Unprocessable Entity: {problem}", bad_anchor=True
    )


def test_other_validation_errors_name_the_field() -> None:
    errors = [
        {
            "resource": "IssueComment",
            "code": "custom",
            "field": "body",
            "message": "body is too long (maximum is 65536 characters)",
        },
        {"resource": "CheckRun", "field": "output", "code": "invalid"},
    ]
    exc = raised(422, error_body(422, "Validation Failed", errors), method="POST", path="/repos/o/r/issues/7/comments")

    assert classify(exc, now=NOW) == TellUser(
        "GitHub refused the request (POST /repos/o/r/issues/7/comments): Validation Failed: "
        "body is too long (maximum is 65536 characters); CheckRun output invalid"
    )


# --- bugs: re-raised ----------------------------------------------------------------------------------------


def test_bad_credentials_are_a_bug_not_a_retry() -> None:
    exc = raised(401, error_body(401, "Bad credentials"))

    assert classify(exc, now=NOW) == Bug(f"unexpected 401 on GET {PULL}: Bad credentials")


def test_a_bad_url_is_a_bug() -> None:
    github = GitHub("ghs_x", base_url="ftp://api.github.com", auto_retry=False, http_cache=False)
    with pytest.raises(RequestError) as info:
        github.request("GET", PULL)

    outcome = classify(info.value, now=NOW)

    assert isinstance(info.value.exc, httpx.UnsupportedProtocol)
    assert isinstance(outcome, Bug)


def test_anything_else_is_a_bug() -> None:
    assert classify(ValueError("boom"), now=NOW) == Bug("ValueError: ValueError('boom')")
    assert isinstance(classify(raised(409, error_body(409, "Git Repository is empty.")), now=NOW), Bug)


def test_plain_httpx_status_errors_are_classified_alike() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        status = 404 if request.url.path.endswith("/7") else 503
        return httpx.Response(status, headers=github_headers(), json=error_body(status, "x"))

    with httpx.Client(base_url="https://api.github.com", transport=httpx.MockTransport(answer)) as client:
        gone = client.get(PULL)
        down = client.get(PULL + "/files")
    with pytest.raises(httpx.HTTPStatusError) as first:
        gone.raise_for_status()
    with pytest.raises(httpx.HTTPStatusError) as second:
        down.raise_for_status()

    assert isinstance(classify(first.value, now=NOW), Ignore)
    assert classify(second.value, now=NOW) == RetryLater(15, f"GitHub failed (503 on GET {PULL}/files)")


class _DriverError(Exception):
    """What SQLAlchemy's asyncpg adapter raises: the server's SQLSTATE on the error."""

    def __init__(self, message: str, sqlstate: str | None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "retried"),
    [
        ("57P03", True),  # the database system is not yet accepting connections (starting after a crash)
        ("57P01", True),  # terminating connection due to administrator command
        ("08006", True),  # connection failure
        ("23505", False),  # a unique violation is ours to fix
        (None, False),  # SQLite says nothing of the kind
    ],
)
def test_a_database_not_back_yet_is_retried_and_a_query_error_is_not(sqlstate: str | None, retried: bool) -> None:
    from sqlalchemy.exc import DBAPIError

    exc = DBAPIError("SELECT 1", {}, _DriverError("the database system is not yet accepting connections", sqlstate))
    outcome = classify(exc, now=NOW)
    assert isinstance(outcome, RetryLater) is retried
    if not retried:
        assert isinstance(outcome, Bug)
