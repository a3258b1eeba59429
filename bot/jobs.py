"""The jobs the webhook route queues for the worker: small frozen payloads and their deterministic ids.

A job travels through arq as the plain dict of `to_queue()` (JSON types only, so arq's default pickle never
meets a project class) and the worker rebuilds it with `Model.model_validate(payload)`. The job id is what
makes queueing idempotent: arq refuses a second job with an id it still holds (queued, running, or its
result kept for an hour), so a review is keyed by the head SHA, and an explicit request to review again
(a re-run button, a `/debtbot review` comment, a changed base branch) adds its own delivery id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, NewType

from pydantic import BaseModel, ConfigDict

InstallationId = NewType("InstallationId", int)
RepoId = NewType("RepoId", int)
HeadSha = NewType("HeadSha", str)
DeliveryId = NewType("DeliveryId", str)


def review_job_id(
    repo_id: RepoId, pr_number: int, head_sha: HeadSha, *, rerun_delivery: DeliveryId | None = None
) -> str:
    """`review:{repo_id}:{pr}:{head_sha}`, plus `:{delivery_id}` for a request to review the same head again."""
    base = f"review:{repo_id}:{pr_number}:{head_sha}"
    return base if rerun_delivery is None else f"{base}:{rerun_delivery}"


class Job(BaseModel):
    """What every job carries: the installation to act as, and the delivery that asked (for logs and ids)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: The arq function name the worker registers for this job.
    name: ClassVar[str]

    installation_id: InstallationId
    delivery_id: DeliveryId

    @property
    def job_id(self) -> str:
        raise NotImplementedError

    def to_queue(self) -> dict[str, Any]:
        """The payload handed to arq: JSON types only, rebuilt by `model_validate` in the worker."""
        return self.model_dump(mode="json")


class RepoJob(Job):
    repo_id: RepoId
    repo_full_name: str


class ReviewRequest(RepoJob):
    """Review the pull request at `head_sha` against its base branch `base_ref`."""

    name: ClassVar[str] = "review_pull_request"

    pr_number: int
    head_sha: HeadSha
    base_ref: str
    #: True when someone asked for this head to be reviewed again; the job id then carries the delivery id.
    rerun: bool = False
    #: The event that asked, as `event.action` (e.g. `pull_request.synchronize`): for logs and the check run.
    trigger: str

    @property
    def job_id(self) -> str:
        return review_job_id(
            self.repo_id, self.pr_number, self.head_sha, rerun_delivery=self.delivery_id if self.rerun else None
        )


class HeadReviewRequest(RepoJob):
    """Review again every open pull request whose head is `head_sha` (a re-run of our check run or suite).

    GitHub lists the pull requests in a check event only when their head branch lives in the base repository
    (the list is empty for pull requests from forks), so the worker looks them up by head SHA when
    `pr_numbers` is empty, and reviews each listed one otherwise.
    """

    name: ClassVar[str] = "review_head"

    head_sha: HeadSha
    pr_numbers: tuple[int, ...] = ()
    trigger: str

    @property
    def job_id(self) -> str:
        return f"review_head:{self.repo_id}:{self.head_sha}:{self.delivery_id}"


class PullRequestClosed(RepoJob):
    """A pull request was closed, merged or not: the ledger books (or drops) the debt it carried."""

    name: ClassVar[str] = "pr_closed"

    pr_number: int
    merged: bool
    merge_commit_sha: str | None
    author: str | None
    merged_at: datetime | None
    head_sha: HeadSha
    base_ref: str
    #: The repository's default branch when the event named it: only a merge into it changes the ledger.
    default_branch: str | None = None

    @property
    def job_id(self) -> str:
        # A pull request can be closed, reopened and closed again: each close is its own job.
        return f"pr_closed:{self.repo_id}:{self.pr_number}:{self.delivery_id}"


class CommentCommand(RepoJob):
    """A `/debtbot ...` comment on a pull request; the worker checks the author may give it."""

    pr_number: int
    comment_id: int
    author: str
    #: GitHub's `author_association` (OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE...), for permission checks.
    author_association: str | None


class ReviewCommentCommand(CommentCommand):
    """`/debtbot review`: the comment does not name the head, so the worker looks the pull request up."""

    name: ClassVar[str] = "review_comment_command"

    @property
    def job_id(self) -> str:
        # Keyed by the comment: a delivery replayed under a new id (GitHub signs the body only) is the same command.
        return f"review_comment_command:{self.repo_id}:{self.pr_number}:{self.comment_id}"


class AcceptCommand(CommentCommand):
    """`/debtbot accept ...`: record debt as accepted; `arguments` is the comment text after the word `accept`."""

    name: ClassVar[str] = "accept_command"

    arguments: str

    @property
    def job_id(self) -> str:
        return f"accept_command:{self.repo_id}:{self.pr_number}:{self.comment_id}"


class PushReview(RepoJob):
    """Commits landed on the default branch without a pull request review: compare `before`..`after`."""

    name: ClassVar[str] = "review_push"

    ref: str
    before: HeadSha
    after: HeadSha
    forced: bool = False
    #: Who pushed (the event's sender) and when (the repository's `pushed_at`): the ledger's attribution.
    pusher: str | None = None
    pushed_at: datetime | None = None

    @property
    def job_id(self) -> str:
        # Per delivery: a force-push back to a commit pushed before is a push of its own.
        return f"review_push:{self.repo_id}:{self.after}:{self.delivery_id}"


class BaselineScan(RepoJob):
    """Scan the default branch's whole tree once, so the ledger starts from what the repository owes."""

    name: ClassVar[str] = "baseline_scan"

    #: Scan again even when a scan completed (`debtbot baseline`); installation events scan a repository once.
    force: bool = False

    @property
    def job_id(self) -> str:
        return f"baseline_scan:{self.repo_id}:{self.delivery_id}"


class RepoRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: RepoId
    full_name: str


class SyncInstallation(Job):
    """An installation was created, changed or removed, or repositories were added to or removed from it."""

    name: ClassVar[str] = "sync_installation"

    #: `installation.action` or `installation_repositories.action` (created, deleted, suspend, added, ...).
    event: str
    action: str
    account_login: str | None
    repository_selection: str | None
    #: The repositories an `installation` event lists (all it can access, when the event lists them).
    repositories: tuple[RepoRef, ...] = ()
    repositories_added: tuple[RepoRef, ...] = ()
    repositories_removed: tuple[RepoRef, ...] = ()

    @property
    def job_id(self) -> str:
        return f"sync_installation:{self.installation_id}:{self.delivery_id}"
