"""GitHub's error answers, as the fake raises and renders them (bodies copied from real GitHub responses)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

DOCS = "https://docs.github.com/rest"
RATE_LIMIT_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"


class GitHubError(Exception):
    """An error answer: a handler raises it and the server renders GitHub's JSON error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[Any] | None = None,
        documentation_url: str = DOCS,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.documentation_url = documentation_url
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        body["documentation_url"] = self.documentation_url
        body["status"] = str(self.status)  # GitHub sends the status again, as a string
        return body


def not_found(documentation_url: str = DOCS) -> GitHubError:
    return GitHubError(404, "Not Found", documentation_url=documentation_url)


def bad_credentials() -> GitHubError:
    return GitHubError(401, "Bad credentials")


def requires_authentication() -> GitHubError:
    return GitHubError(401, "Requires authentication")


def not_accessible() -> GitHubError:
    return GitHubError(403, "Resource not accessible by integration")


def invalid_request(problems: list[str], documentation_url: str) -> GitHubError:
    """GitHub's answer to a body its JSON schema refuses."""
    return GitHubError(422, "Invalid request.\n\n" + "\n".join(problems), documentation_url=documentation_url)


def unprocessable(errors: list[Any], documentation_url: str) -> GitHubError:
    """GitHub's answer to a well-formed body it cannot apply (a review anchor outside the diff, ...)."""
    return GitHubError(422, "Unprocessable Entity", errors=errors, documentation_url=documentation_url)


def primary_rate_limit(who: str) -> str:
    return f"API rate limit exceeded for {who}."


SECONDARY_RATE_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out "
    "to GitHub Support for help, please include the request ID."
)


def default_failure_body(status: int, headers: dict[str, str]) -> dict[str, Any]:
    """The body GitHub sends with an injected failure of this status, when the test gives none."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if status in (403, 429) and "retry-after" in lowered:
        return GitHubError(status, SECONDARY_RATE_LIMIT, documentation_url=RATE_LIMIT_DOCS).body()
    if status in (403, 429) and lowered.get("x-ratelimit-remaining") == "0":
        return GitHubError(status, primary_rate_limit("installation"), documentation_url=RATE_LIMIT_DOCS).body()
    if status == 403:
        return not_accessible().body()
    if status == 404:
        return not_found().body()
    if status >= 500:
        return {"message": "Server Error"}
    return GitHubError(status, HTTPStatus(status).phrase).body()
