"""What the worker asks of GitHub: typed calls and the frozen answers they return, free of any HTTP client.

`GitHubGateway` acts as one installation: its token reaches that installation's repositories only, so
a job is handed the gateway of the installation that owns its repository (`GitHubApp.gateway_for`).
`GitHubApp` acts as the App itself (its JWT): it hands out gateways and works the webhook delivery log.

Every call raises what githubkit raises (`RequestFailed`, `RateLimitExceeded`, `RequestTimeout`, ...):
`bot.errors.classify(exc)` decides whether to ignore it, retry the job later, or tell the user.
Repositories are named by their full name, `owner/name`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

import httpx
from githubkit.exception import RequestFailed
from githubkit.response import Response

from bot.jobs import HeadSha, InstallationId

CheckStatus = Literal["queued", "in_progress", "completed"]
CheckConclusion = Literal["action_required", "cancelled", "failure", "neutral", "success", "skipped", "timed_out"]
IssueState = Literal["open", "closed"]

#: GitHub takes at most 50 annotations in one check-run request; further requests append.
MAX_ANNOTATIONS_PER_REQUEST = 50


@dataclass(frozen=True)
class PullInfo:
    """A pull request as a review needs it."""

    number: int
    state: str  # open | closed
    merged: bool
    draft: bool
    author: str | None  # login; None when GitHub shows no user (a deleted account)
    head_sha: HeadSha
    head_ref: str
    head_repo: str | None  # full name; None when the fork it came from was deleted
    base_repo: str
    base_ref: str
    base_sha: str

    @property
    def from_fork(self) -> bool:
        """Whether the head lives in another repository (so its author may have changed anything, config included)."""
        return self.head_repo is None or self.head_repo.lower() != self.base_repo.lower()


@dataclass(frozen=True)
class Tree:
    """A commit's files: every path, the size of each blob, and whether GitHub cut the listing short."""

    paths: frozenset[str]
    sizes: Mapping[str, int] = field(hash=False)
    #: GitHub lists at most 100,000 entries (7 MB) of a recursive tree; past that the listing is partial.
    truncated: bool = False


@dataclass(frozen=True)
class BranchHead:
    """A branch and the commit at its tip."""

    name: str
    sha: str


#: GitHub lists at most 300 files of a comparison of two commits.
MAX_COMPARE_FILES = 300


@dataclass(frozen=True)
class Comparison:
    """Two commits as GitHub compares them: the change from their merge base to the head (three dots)."""

    status: str  # identical | ahead | behind | diverged
    #: Commits of the head not in the base, and of the base not in the head (a force-push dropped these).
    ahead_by: int
    behind_by: int
    merge_base_sha: str
    #: GitHub's entries of the changed files (`filename`, `status`, `patch`...), as `list_files` gives them.
    files: list[dict[str, Any]]

    @property
    def truncated(self) -> bool:
        """GitHub stops listing files at 300: a listing that long may be cut short."""
        return len(self.files) >= MAX_COMPARE_FILES


@dataclass(frozen=True)
class Comment:
    """A pull request's (issue) comment."""

    id: int
    body: str | None
    author: str | None
    html_url: str


@dataclass(frozen=True)
class InlineComment:
    """A pull request review comment: one on a line of the diff, in a review."""

    id: int
    review_id: int | None  # the review it was posted in (GitHub leaves it empty for some old comments)
    body: str | None
    author: str | None
    path: str
    line: int | None  # None when the comment sits on a whole file, or on a line no longer in the diff
    commit_id: str  # the commit it was made on (a review's comments: the commit the review is of)
    html_url: str


@dataclass(frozen=True)
class IssueRef:
    """An issue the App created, edited or looked up."""

    id: int
    number: int
    state: str
    html_url: str
    title: str = ""


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver a webhook, from the App's delivery log."""

    id: int
    guid: str  # X-GitHub-Delivery: the same on every redelivery of an event
    event: str
    action: str | None
    status_code: int  # what our endpoint answered (0: no answer)
    delivered_at: datetime
    redelivery: bool
    installation_id: int | None
    repository_id: int | None

    @property
    def delivered(self) -> bool:
        """Our endpoint answered 2xx."""
        return 200 <= self.status_code < 300


@dataclass(frozen=True)
class DeliveryPage:
    """One page of the App's delivery log, newest first, and GitHub's cursor of the next (older) page."""

    deliveries: list[Delivery]
    next_cursor: str | None


@dataclass(frozen=True)
class AppInfo:
    """The App as GitHub knows it from its JWT (`GET /app`)."""

    id: int
    slug: str


class DiffTooLarge(RequestFailed):
    """GitHub will not render this pull request's diff (406 `too_large`: over 20,000 lines, 1 MB or 300 files).

    A `RequestFailed`, so `classify` reads it as `TellUser(too_large=True)`; a task catches it to fall back
    to `list_files`.
    """

    @classmethod
    def of(cls, message: str, url: str = "https://api.github.com/") -> DiffTooLarge:
        """The error with GitHub's 406 answer built from `message` (for typed fakes of the gateway)."""
        body = {"message": message, "errors": [{"resource": "PullRequest", "field": "diff", "code": "too_large"}]}
        answer = httpx.Response(406, json=body, request=httpx.Request("GET", url))
        return cls(Response(answer, Any))

    @property
    def message(self) -> str:
        try:
            body = self.response.raw_response.json()
        except ValueError:
            return "the diff is too large"
        return str(body.get("message", "the diff is too large")) if isinstance(body, dict) else "the diff is too large"


class GitHubGateway(Protocol):
    """GitHub as one installation sees it. Writes are serialized and paced per installation."""

    @property
    def installation_id(self) -> InstallationId: ...

    async def app_login(self) -> str:
        """The login the App's own comments and reviews are authored under (`<app slug>[bot]`)."""
        ...

    # -- reading ---------------------------------------------------------------------------------------------

    async def get_pull(self, repo: str, number: int) -> PullInfo: ...

    async def list_pulls_for_commit(self, repo: str, sha: str) -> list[PullInfo]:
        """The pull requests of `repo` that commit `sha` belongs to: open and merged ones whose head it is or was,
        or, for a commit of the default branch, the merged one that brought it in. Check state and head."""
        ...

    async def get_diff(self, repo: str, number: int) -> str:
        """The unified (three-dot) diff; raises `DiffTooLarge` when GitHub refuses to render it."""
        ...

    async def list_files(self, repo: str, number: int, limit: int = 3000) -> list[dict[str, Any]]:
        """GitHub's entries of the changed files (`filename`, `status`, `patch` without file headers, ...)."""
        ...

    async def get_tree(self, repo: str, sha: str) -> Tree: ...

    async def get_text(self, repo: str, path: str, ref: str) -> str | None:
        """A file's text at `ref`; None when it is missing, not a file, not UTF-8 or over the size budget."""
        ...

    async def get_permission(self, repo: str, user: str) -> str:
        """`admin`, `write`, `read` or `none` (GitHub maps maintain to write and triage to read)."""
        ...

    async def list_issue_comments(self, repo: str, number: int) -> list[Comment]: ...

    async def get_issue(self, repo: str, number: int) -> IssueRef | None:
        """The issue; None when it is gone (deleted: 410, or never there: 404)."""
        ...

    async def list_issues(self, repo: str, *, creator: str | None = None, state: IssueState = "open") -> list[IssueRef]:
        """The repository's issues in `state` (pull requests left out), opened by `creator` when given."""
        ...

    async def list_review_comments(self, repo: str, number: int) -> list[InlineComment]:
        """Every inline (review) comment of the pull request, anyone's, oldest first."""
        ...

    async def find_check_run(self, repo: str, head_sha: str, name: str, external_id: str) -> int | None:
        """The id of this App's check run `name` on `head_sha` created with `external_id`; None when there is none."""
        ...

    async def check_run_annotations(self, repo: str, check_run_id: int) -> int:
        """How many annotations the check run holds (its `output.annotations_count`)."""
        ...

    async def get_branch_head(self, repo: str, branch: str | None = None) -> BranchHead:
        """The tip of `branch`, or of the repository's default branch."""
        ...

    async def compare(self, repo: str, base: str, head: str) -> Comparison:
        """`base...head`: what `head` changed since its merge base with `base` (`git diff base...head`)."""
        ...

    # -- writing ---------------------------------------------------------------------------------------------

    async def create_check_run(
        self,
        repo: str,
        head_sha: str,
        name: str,
        status: CheckStatus,
        *,
        conclusion: CheckConclusion | None = None,
        output: Mapping[str, Any] | None = None,
        details_url: str | None = None,
        external_id: str | None = None,
    ) -> int:
        """The new check run's id."""
        ...

    async def update_check_run(
        self,
        repo: str,
        check_run_id: int,
        *,
        name: str | None = None,
        status: CheckStatus | None = None,
        conclusion: CheckConclusion | None = None,
        output: Mapping[str, Any] | None = None,
    ) -> None:
        """At most 50 annotations in `output` (the caller batches them); each update appends its own."""
        ...

    async def create_review(
        self, repo: str, number: int, commit_id: str, body: str, comments: Sequence[Mapping[str, Any]]
    ) -> int:
        """A COMMENT review of `commit_id` with inline `comments`; its id (its comments' ids are not in GitHub's
        answer: `list_review_comments` gives them, with this id as their `review_id`)."""
        ...

    async def create_issue_comment(self, repo: str, number: int, body: str) -> Comment: ...

    async def update_issue_comment(self, repo: str, comment_id: int, body: str) -> Comment: ...

    async def create_issue(self, repo: str, title: str, body: str, labels: Sequence[str] = ()) -> IssueRef: ...

    async def update_issue(
        self,
        repo: str,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        state: IssueState | None = None,
        labels: Sequence[str] | None = None,
    ) -> IssueRef: ...


class GitHubApp(Protocol):
    """The App itself: installation gateways, and its webhook delivery log."""

    def gateway_for(self, installation_id: InstallationId) -> GitHubGateway:
        """A gateway authenticated as this installation only (its repositories answer, others are 404)."""
        ...

    async def list_failed_deliveries(self, since: datetime) -> list[Delivery]:
        """Failed deliveries at or after `since` (timezone-aware), newest first.

        An event redelivered since keeps its guid: skip a guid that also has a later successful delivery.
        """
        ...

    async def list_deliveries_page(self, cursor: str | None = None) -> DeliveryPage:
        """One page of every delivery attempt (redeliveries included), newest first; `cursor` from an earlier page."""
        ...

    async def redeliver(self, delivery_id: int) -> None: ...
