"""githubkit's `auto_retry` decision: retry inside a request only what is over in a few seconds.

githubkit sleeps inside the request for whatever the decision says; its default waits out a rate limit
(up to an hour) and backs off server errors for 1 + 4 + 9 seconds, holding the worker's job the whole
time. Here a longer wait surfaces as the exception itself, and `bot.errors.classify` turns it into an
arq `Retry(defer=...)`: the job lets go of the worker and comes back when GitHub is ready.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import httpx
from githubkit.exception import GitHubException, RateLimitExceeded, RequestError, RequestFailed
from githubkit.retry import RetryOption

#: Never hand githubkit a zero wait: it reads `timedelta(0)` as "no wait given" and sleeps 60 seconds.
MIN_WAIT_SECONDS = 0.05
#: A 5xx answer to one of these can be repeated safely. A POST may have created the content before
#: GitHub failed (a 502 from a proxy, say): posting it again from here would duplicate it, while the
#: retried job looks at what is already there (fingerprints, the sticky marker) before writing. The same
#: holds for a check run update carrying annotations (see `appends_annotations`).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class ShortRetry:
    """Retry rate limits whose wait is at most `max_wait` seconds, and 5xx answers to idempotent requests.

    At most `max_retries` retries a request; the n-th retry of a server error waits n x `server_error_wait`.
    A connection that drops before any answer (a kept-alive connection the server closed just as it was
    reused) is retried at once, once, for idempotent requests: waiting it out as an outage cost reviews 15 s.
    """

    max_retries: int = 2
    max_wait: float = 3.0
    server_error_wait: float = 1.0

    def __call__(self, exc: GitHubException, retry_count: int) -> RetryOption:
        if retry_count >= self.max_retries:
            return RetryOption(False)
        if isinstance(exc, RateLimitExceeded):
            wait = exc.retry_after.total_seconds()
            return RetryOption(True, _wait(wait)) if wait <= self.max_wait else RetryOption(False)
        if isinstance(exc, RequestFailed) and exc.response.status_code >= 500 and _idempotent(exc.request):
            return RetryOption(True, _wait(self.server_error_wait * (retry_count + 1)))
        if retry_count == 0 and _dropped_connection(exc):
            return RetryOption(True, _wait(MIN_WAIT_SECONDS))
        return RetryOption(False)


def _dropped_connection(exc: GitHubException) -> bool:
    """An idempotent request whose connection failed without an answer (not a timeout: a hung GitHub stays hung)."""
    if isinstance(exc, RequestFailed) or not isinstance(exc, RequestError):
        return False
    cause = exc.exc
    if not isinstance(cause, httpx.TransportError) or isinstance(cause, httpx.TimeoutException):
        return False
    try:
        request = cause.request
    except RuntimeError:  # httpx raises when the error carries no request
        return False
    return _idempotent(request)


def _idempotent(request: httpx.Request) -> bool:
    return request.method.upper() in IDEMPOTENT_METHODS and not appends_annotations(request)


def appends_annotations(request: httpx.Request) -> bool:
    """A check run update carrying annotations: GitHub appends them to the run's, so the same update made twice
    shows each of them twice. The review job reads the run's count before sending a batch again."""
    if request.method.upper() != "PATCH" or "/check-runs/" not in request.url.path:
        return False
    try:
        body = json.loads(request.content)
    except (ValueError, httpx.RequestNotRead):  # not JSON, or a streamed body: not one of the App's updates
        return False
    output = body.get("output") if isinstance(body, dict) else None
    return isinstance(output, dict) and bool(output.get("annotations"))


def _wait(seconds: float) -> timedelta:
    return timedelta(seconds=max(seconds, MIN_WAIT_SECONDS))
