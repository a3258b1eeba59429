"""Lenient models of the webhook fields debtbot reads; everything else in a delivery is ignored.

GitHub adds fields all the time and githubkit's own models refuse a third of GitHub's published examples, so
these models declare only what routing uses, make optional what GitHub may leave out, and turn a missing
required field into a `MalformedPayloadError` that names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError


class MalformedPayloadError(ValueError):
    """A delivery lacks a field routing needs; the message names it (it ends up in GitHub's delivery log)."""


class Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class InstallationRef(Lenient):
    id: int


class Account(Lenient):
    login: str | None = None


class Installation(Lenient):
    id: int
    account: Account | None = None
    repository_selection: str | None = None


class User(Lenient):
    login: str
    type: str | None = None


class RepositoryRef(Lenient):
    id: int
    full_name: str


class Repository(Lenient):
    id: int
    full_name: str
    default_branch: str | None = None


class BranchRef(Lenient):
    ref: str
    sha: str


class PullRequest(Lenient):
    number: int
    head: BranchRef
    base: BranchRef
    draft: bool = False
    merged: bool | None = None
    merge_commit_sha: str | None = None
    merged_at: datetime | None = None
    user: User | None = None


class PullRequestChanges(Lenient):
    # Present (with ref/sha `from` values) only when the base branch of the pull request was changed.
    base: dict[str, Any] | None = None


class PullRequestEvent(Lenient):
    action: str
    installation: InstallationRef
    repository: Repository
    pull_request: PullRequest
    changes: PullRequestChanges | None = None


class App(Lenient):
    id: int


class RepoId(Lenient):
    id: int


class CheckPullRequestBase(Lenient):
    ref: str
    repo: RepoId


class CheckPullRequest(Lenient):
    number: int
    base: CheckPullRequestBase


class CheckRun(Lenient):
    head_sha: str
    app: App
    pull_requests: tuple[CheckPullRequest, ...] = ()


class CheckRunEvent(Lenient):
    action: str
    installation: InstallationRef
    repository: Repository
    check_run: CheckRun


class CheckSuite(Lenient):
    head_sha: str
    app: App
    pull_requests: tuple[CheckPullRequest, ...] = ()


class CheckSuiteEvent(Lenient):
    action: str
    installation: InstallationRef
    repository: Repository
    check_suite: CheckSuite


class Issue(Lenient):
    number: int
    # GitHub sets this object only on issues that are pull requests.
    pull_request: dict[str, Any] | None = None


class Comment(Lenient):
    id: int
    body: str | None = None
    user: User
    author_association: str | None = None
    performed_via_github_app: dict[str, Any] | None = None


class IssueCommentEvent(Lenient):
    action: str
    installation: InstallationRef
    repository: Repository
    issue: Issue
    comment: Comment


class PushEvent(Lenient):
    ref: str
    before: str
    after: str
    created: bool = False
    deleted: bool = False
    forced: bool = False
    installation: InstallationRef
    repository: Repository


class InstallationEvent(Lenient):
    action: str
    installation: Installation
    repositories: tuple[RepositoryRef, ...] | None = None
    repositories_added: tuple[RepositoryRef, ...] | None = None
    repositories_removed: tuple[RepositoryRef, ...] | None = None


class PingHook(Lenient):
    app_id: int | None = None


class PingEvent(Lenient):
    zen: str | None = None
    hook_id: int | None = None
    hook: PingHook | None = None


Model = TypeVar("Model", bound=Lenient)

#: How many validation problems a reason names before it says "and N more".
_SHOWN_PROBLEMS = 3


def read(model: type[Model], payload: Mapping[str, Any]) -> Model:
    """Validate `payload` as `model`, or raise `MalformedPayloadError` naming the missing or mistyped fields."""
    try:
        return model.model_validate(dict(payload))
    except ValidationError as error:
        raise MalformedPayloadError(describe(error)) from error


def describe(error: ValidationError) -> str:
    problems = []
    for detail in error.errors()[:_SHOWN_PROBLEMS]:
        where = ".".join(str(part) for part in detail["loc"])
        problems.append(f"missing {where}" if detail["type"] == "missing" else f"{where}: {detail['msg']}")
    hidden = error.error_count() - _SHOWN_PROBLEMS
    return "malformed payload: " + "; ".join(problems) + (f" (and {hidden} more)" if hidden > 0 else "")


def action_of(payload: Mapping[str, Any]) -> str | None:
    """The delivery's `action`, or None when it has none (push, ping) or it is not a string."""
    action = payload.get("action")
    return action if isinstance(action, str) else None


def installation_id_of(payload: Mapping[str, Any]) -> int | None:
    """`installation.id` when present and an integer; for recording a delivery before routing judges it."""
    installation = payload.get("installation")
    if not isinstance(installation, Mapping):
        return None
    value = installation.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None
