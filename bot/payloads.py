"""Lenient models of the webhook fields debtbot reads; everything else in a delivery is ignored.

GitHub adds fields all the time and githubkit's own models refuse a third of GitHub's published examples, so
these models declare only what routing uses, make optional what GitHub may leave out, and turn a missing
required field into a `MalformedPayloadError` that names it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError


class MalformedPayloadError(ValueError):
    """A delivery lacks a field routing needs; the message names it (it ends up in GitHub's delivery log)."""


class Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


#: GitHub's ids fit a signed 64-bit column, the numbers of issues and pull requests a 32-bit one: a larger value
#: is a malformed payload, not a database error later.
GitHubId = Annotated[int, Field(ge=0, lt=2**63)]
Number = Annotated[int, Field(ge=0, lt=2**31)]
#: Every action GitHub sends is a lower-case word with underscores (`ready_for_review`).
_ACTION = re.compile(r"[a-z_]{1,64}")
_FULL_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}/[A-Za-z0-9_.-]{1,100}")
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
#: What git refuses in a ref name (`git check-ref-format`): control characters, space, ~^:?*[\ and `..`.
_BAD_REF = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{")


def _full_name(value: str) -> str:
    # These names go into API paths: `..` there would be read as "the folder above" by the HTTP client.
    if not _FULL_NAME.fullmatch(value) or value.split("/")[1] in (".", ".."):
        raise ValueError("not a repository's owner/name")
    return value


def _sha(value: str) -> str:
    if not _SHA.fullmatch(value):
        raise ValueError("not a commit id (40 or 64 lower-case hex digits)")
    return value


def _ref(value: str) -> str:
    if not value or len(value) > 255 or _BAD_REF.search(value):
        raise ValueError("not a git ref name")
    return value


#: Fields that reach URLs, job ids and database columns, checked as GitHub writes them.
FullName = Annotated[str, AfterValidator(_full_name)]
Sha = Annotated[str, AfterValidator(_sha)]
GitRef = Annotated[str, AfterValidator(_ref)]


class InstallationRef(Lenient):
    id: GitHubId


class Account(Lenient):
    login: str | None = None


class Installation(Lenient):
    id: GitHubId
    account: Account | None = None
    repository_selection: str | None = None


class User(Lenient):
    login: str
    type: str | None = None


class RepositoryRef(Lenient):
    id: GitHubId
    full_name: FullName


class Repository(Lenient):
    id: GitHubId
    full_name: FullName
    default_branch: str | None = None


class BranchRef(Lenient):
    ref: GitRef
    sha: Sha


class PullRequest(Lenient):
    number: Number
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
    id: GitHubId


class RepoId(Lenient):
    id: GitHubId


class CheckPullRequestBase(Lenient):
    ref: GitRef
    repo: RepoId


class CheckPullRequest(Lenient):
    number: Number
    base: CheckPullRequestBase


class CheckRun(Lenient):
    head_sha: Sha
    app: App
    pull_requests: tuple[CheckPullRequest, ...] = ()


class CheckRunEvent(Lenient):
    action: str
    installation: InstallationRef
    repository: Repository
    check_run: CheckRun


class CheckSuite(Lenient):
    head_sha: Sha
    app: App
    pull_requests: tuple[CheckPullRequest, ...] = ()


class CheckSuiteEvent(Lenient):
    action: str
    installation: InstallationRef
    repository: Repository
    check_suite: CheckSuite


class Issue(Lenient):
    number: Number
    # GitHub sets this object only on issues that are pull requests.
    pull_request: dict[str, Any] | None = None


class Comment(Lenient):
    id: GitHubId
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
    before: Sha
    after: Sha
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
    """The delivery's `action`, or None when it has none (push, ping) or it is not one GitHub could send."""
    action = payload.get("action")
    return action if isinstance(action, str) and _ACTION.fullmatch(action) else None


def installation_id_of(payload: Mapping[str, Any]) -> int | None:
    """`installation.id` when present and an integer; for recording a delivery before routing judges it."""
    installation = payload.get("installation")
    if not isinstance(installation, Mapping):
        return None
    value = installation.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63 else None
