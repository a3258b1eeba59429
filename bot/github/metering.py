"""Every HTTP exchange with GitHub, reported to an observer (Prometheus counts them; nothing is imported here).

The report is made at the transport, below githubkit: retries, token requests and a refused token's
renewal are each one request, and a request that got no answer (a timeout, a refused connection) is
reported with no status.
"""

from __future__ import annotations

import logging
import re
from typing import Protocol

import httpx

logger = logging.getLogger(__name__)

#: The routes the gateway calls, as GitHub's REST reference writes them (bounded label values).
ROUTES = (
    "/app/hook/deliveries",
    "/app/hook/deliveries/{delivery_id}/attempts",
    "/app/installations/{installation_id}/access_tokens",
    "/repos/{owner}/{repo}/check-runs",
    "/repos/{owner}/{repo}/check-runs/{check_run_id}",
    "/repos/{owner}/{repo}/collaborators/{username}/permission",
    "/repos/{owner}/{repo}/contents/{path}",
    "/repos/{owner}/{repo}/git/trees/{tree_sha}",
    "/repos/{owner}/{repo}/issues",
    "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    "/repos/{owner}/{repo}/issues/{issue_number}",
    "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    "/repos/{owner}/{repo}/pulls/{pull_number}",
    "/repos/{owner}/{repo}/pulls/{pull_number}/files",
    "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
)
#: The label of any other path, so that a path never becomes a label value of its own.
OTHER_ROUTE = "other"


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+\})", template)
    # `{path}` (a file path) spans slashes; every other parameter is one segment.
    regex = "".join(
        ("(.+)" if part == "{path}" else "[^/]+") if part.startswith("{") else re.escape(part) for part in parts
    )
    return re.compile(f"^{regex}/?$")


_PATTERNS = tuple((_pattern(template), template) for template in ROUTES)


def route_template(path: str, base_path: str = "/") -> str:
    """The route template of a request path (below `base_path`, e.g. `/api/v3/` on GitHub Enterprise Server)."""
    prefix = base_path.rstrip("/")
    if prefix and path.startswith(prefix + "/"):
        path = path[len(prefix) :]
    for pattern, template in _PATTERNS:
        if pattern.match(path):
            return template
    return OTHER_ROUTE


class RequestObserver(Protocol):
    """Told of every request: its method, route template, status (None: no answer) and rate limit left."""

    def __call__(self, method: str, route: str, status: int | None, remaining: int | None) -> None: ...


class MeteredTransport(httpx.AsyncBaseTransport):
    """Sends through `inner` and reports each exchange to `observer`.

    githubkit opens and closes an httpx client per request; this transport outlives them (so they share
    its connection pool) and is closed by its owner through `close()`, never by a client's `aclose()`.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, observer: RequestObserver | None, base_path: str = "/") -> None:
        self._inner = inner
        self._observer = observer
        self._base_path = base_path

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            self._report(request, None, None)
            raise
        remaining = response.headers.get("x-ratelimit-remaining", "")
        self._report(request, response.status_code, int(remaining) if remaining.isdigit() else None)
        return response

    def _report(self, request: httpx.Request, status: int | None, remaining: int | None) -> None:
        if self._observer is None:
            return
        try:
            self._observer(request.method, route_template(request.url.path, self._base_path), status, remaining)
        except Exception:  # a broken metric must not fail the request it counts
            logger.exception("the GitHub request observer failed")

    async def aclose(self) -> None:
        """A client is done with it: the pool stays open for the next one."""

    async def close(self) -> None:
        await self._inner.aclose()
