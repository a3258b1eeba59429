"""The one classifier of errors at the GitHub/HTTP boundary: ignore, retry later, tell the user, or a bug.

Read with GitHub's REST docs ("Rate limits for the REST API", "Troubleshooting the REST API") and
githubkit 0.16.1's `core._check_rate_limit`: a 403 or 429 is a rate limit when it carries
`retry-after` (secondary), `x-ratelimit-remaining: 0` (primary: wait until `x-ratelimit-reset`) or a
message that says so; any other 403 means the App may not do this (a permission, a suspended install).
A connection to the database or Redis refused or dropped (a restart, a crash) is retried later too.
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from dataclasses import dataclass
from typing import Any

import httpx
from githubkit.exception import RateLimitExceeded, RequestError, RequestFailed
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

#: Never retry sooner than this: a job retried at once would meet the same failure.
MIN_RETRY_SECONDS = 5
#: Never defer longer: a primary rate limit resets within the hour.
MAX_RETRY_SECONDS = 3600
#: GitHub: without `retry-after`, "wait for at least one minute" after a secondary rate limit.
DEFAULT_RATE_LIMIT_SECONDS = 60
#: The first wait after a server error or a network failure; it doubles with each attempt.
BACKOFF_SECONDS = 15
_MESSAGE_LIMIT = 500


@dataclass(frozen=True)
class Ignore:
    """Nothing to do: the pull request or repository is gone, or the App may not act on it."""

    reason: str


@dataclass(frozen=True)
class RetryLater:
    """A passing failure: try the job again in `seconds` (an `arq.Retry(defer=seconds)`)."""

    seconds: int
    reason: str


@dataclass(frozen=True)
class TellUser:
    """The request cannot succeed as it is: say so on the pull request (a neutral check run)."""

    message: str
    #: GitHub refused to send the diff (406 `too_large`): fall back to the files API, or say "too large".
    too_large: bool = False
    #: A review refused for a comment GitHub cannot place (422 "review thread ... part of the diff"):
    #: post it again without the inline comments (`bot.publish.comments.drop_comments`).
    bad_anchor: bool = False


@dataclass(frozen=True)
class Bug:
    """Not an error GitHub or the network explains: re-raise it (and log it with the delivery id)."""

    reason: str


Outcome = Ignore | RetryLater | TellUser | Bug


def classify(exc: BaseException, *, now: float | None = None, attempt: int = 1) -> Outcome:
    """What to do about `exc`, raised by githubkit or httpx.

    `now` (epoch seconds) is when the answer came, to turn `x-ratelimit-reset` into a wait; `attempt`
    (1 for the first try) doubles the wait after server errors and network failures.
    """
    clock = time.time() if now is None else now
    response = _response(exc)
    if response is not None:
        return _by_status(response, exc, clock, attempt)
    cause = exc.exc if isinstance(exc, RequestError) else exc
    if isinstance(cause, httpx.TimeoutException | TimeoutError):
        return RetryLater(_backoff(attempt), f"GitHub did not answer in time ({type(cause).__name__})")
    if _storage_unreachable(exc):
        # The driver's own words: SQLAlchemy's message adds the statement and its parameters.
        detail = _one_line(str(exc.orig if isinstance(exc, DBAPIError) else exc))
        return RetryLater(_backoff(attempt), f"could not reach the database or Redis ({type(exc).__name__}: {detail})")
    # A bad URL or an invalid request (UnsupportedProtocol, LocalProtocolError) is ours to fix: not retried.
    if isinstance(cause, httpx.NetworkError | httpx.RemoteProtocolError | httpx.ProxyError | ConnectionError):
        return RetryLater(_backoff(attempt), f"could not reach GitHub ({type(cause).__name__}: {cause})")
    return Bug(f"{type(exc).__name__}: {exc!r}")


#: PostgreSQL's SQLSTATEs of a server going away or not back yet: class 08 (connection exception), and admin
#: shutdown, crash shutdown, "the database system is not yet accepting connections" (57P01-57P03).
_UNREACHABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def _storage_unreachable(exc: BaseException) -> bool:
    """The database or Redis went away (a restart, a crash): a connection dropped in the middle of a query, or
    refused. Its driver raises the refusal as a bare OSError; GitHub's come wrapped by githubkit or httpx."""
    if isinstance(exc, DBAPIError):
        state = getattr(exc.orig, "sqlstate", None)
        return (
            exc.connection_invalidated
            or isinstance(exc, OperationalError | InterfaceError)
            or (isinstance(state, str) and state.startswith(_UNREACHABLE_SQLSTATES))
        )
    return isinstance(exc, OSError | RedisConnectionError | RedisTimeoutError)


def _response(exc: BaseException) -> httpx.Response | None:
    if isinstance(exc, RequestFailed):
        return exc.response.raw_response
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response
    return None


def _by_status(response: httpx.Response, exc: BaseException, now: float, attempt: int) -> Outcome:
    status = response.status_code
    body = _body(response)
    message = _message(body)
    where = _request_line(response)
    if status in (403, 429):
        wait = _rate_limit_wait(response, message, now)
        if wait is not None:
            seconds, why = wait
            return RetryLater(seconds, f"{why} ({status} on {where})")
        if isinstance(exc, RateLimitExceeded):  # githubkit saw a limit the headers above do not show
            return RetryLater(_clamp(exc.retry_after.total_seconds()), f"rate limited ({status} on {where})")
        if status == 403:
            return Ignore(f"GitHub refused access ({status} on {where}): {message}")
    if status in (404, 410):
        return Ignore(f"gone or never there ({status} on {where}): {message}")
    if status == 406:
        return TellUser(
            f"GitHub will not send this pull request's diff: {message or 'it is too large'}",
            too_large=_is_too_large(body) or "diff" in message.lower(),
        )
    if status == 422:
        details = _validation(body, message)
        return TellUser(f"GitHub refused the request ({where}): {details}", bad_anchor="review thread" in details)
    if status >= 500:
        return RetryLater(_backoff(attempt), f"GitHub failed ({status} on {where})")
    return Bug(f"unexpected {status} on {where}: {message}")


def _rate_limit_wait(response: httpx.Response, message: str, now: float) -> tuple[int, str] | None:
    headers = response.headers
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        seconds = _retry_after_seconds(retry_after, now)
        return _clamp(seconds if seconds is not None else DEFAULT_RATE_LIMIT_SECONDS), "secondary rate limit"
    if headers.get("x-ratelimit-remaining") == "0":
        reset = headers.get("x-ratelimit-reset", "")
        if reset.isdigit():
            # The budget comes back at `reset` (epoch seconds); a second more absorbs clock skew.
            return _clamp(int(reset) - now + 1), f"rate limit exhausted until {reset}"
        return _clamp(DEFAULT_RATE_LIMIT_SECONDS), "rate limit exhausted"
    if "rate limit" in message.lower() or response.status_code == 429:
        return _clamp(DEFAULT_RATE_LIMIT_SECONDS), "secondary rate limit"
    return None


def _retry_after_seconds(value: str, now: float) -> float | None:
    """`retry-after` is seconds (what GitHub sends) or an HTTP date (RFC 9110)."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.timestamp() - now


def _clamp(seconds: float) -> int:
    return max(MIN_RETRY_SECONDS, min(MAX_RETRY_SECONDS, math.ceil(seconds)))


def _backoff(attempt: int) -> int:
    return _clamp(BACKOFF_SECONDS * 2 ** min(max(attempt, 1) - 1, 16))


def _body(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def _message(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return _one_line(body["message"])
    return ""


def _is_too_large(body: Any) -> bool:
    errors = body.get("errors") if isinstance(body, dict) else None
    return isinstance(errors, list) and any(isinstance(e, dict) and e.get("code") == "too_large" for e in errors)


def _validation(body: Any, message: str) -> str:
    """GitHub's message and its `errors` (strings, or objects with a message or a field and code)."""
    details: list[str] = []
    errors = body.get("errors") if isinstance(body, dict) else None
    for e in errors if isinstance(errors, list) else []:
        if isinstance(e, str):
            details.append(e)
        elif isinstance(e, dict):
            text = e.get("message") or " ".join(str(e[k]) for k in ("resource", "field", "code") if k in e)
            details.append(str(text))
    joined = "; ".join(_one_line(d) for d in details if d)
    return _one_line(f"{message}: {joined}" if message and joined else message or joined or "validation failed")


def _request_line(response: httpx.Response) -> str:
    try:
        request = response.request
    except RuntimeError:  # a response built without its request
        return "the request"
    return f"{request.method} {request.url.path}"


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _MESSAGE_LIMIT else flat[: _MESSAGE_LIMIT - 1] + "…"
