"""Everything the fake GitHub knows: the app, installations, repositories and what clients wrote to them."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.fakegithub.diffs import FileDiff, parse_files
from tests.fakegithub.gitdata import commit_sha

# What a reviewing app is granted; an installation may be given less to test a 403.
DEFAULT_PERMISSIONS: dict[str, str] = {
    "checks": "write",
    "contents": "read",
    "issues": "write",
    "metadata": "read",
    "pull_requests": "write",
}


def iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


@dataclass(frozen=True)
class AppIdentity:
    id: int
    slug: str
    public_key: bytes  # PEM; the fake checks JWTs with it and never sees the private key
    name: str
    owner: str

    @property
    def bot_login(self) -> str:
        return f"{self.slug}[bot]"


@dataclass
class Installation:
    id: int
    account: str
    account_id: int
    account_type: str
    permissions: dict[str, str]


@dataclass
class Repository:
    id: int
    owner: str
    name: str
    installation_id: int
    default_branch: str
    private: bool
    commits: dict[str, dict[str, bytes]] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    collaborators: dict[str, str] = field(default_factory=dict)  # login -> admin | maintain | write | triage | read
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)  # commit -> its parents (compare needs them)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def add_commit(
        self,
        files: Mapping[str, str | bytes],
        *,
        sha: str | None = None,
        branch: str | None = None,
        parents: tuple[str, ...] | None = None,
    ) -> str:
        """A snapshot of the repository's files; returns its commit id (given, or derived from the files).

        Its parents are `parents`, else the branch's tip it is added to (none for the first commit or off a branch).
        """
        snapshot = {path: body.encode() if isinstance(body, str) else body for path, body in files.items()}
        sha = sha or commit_sha(snapshot, f"{self.full_name}#{len(self.commits)}")
        self.commits[sha] = snapshot
        if parents is None:
            tip = self.branches.get(branch) if branch is not None else None
            parents = (tip,) if tip is not None and tip != sha else ()
        self.parents[sha] = parents
        if branch is not None:
            self.branches[branch] = sha
        return sha

    def resolve(self, ref: str | None) -> str | None:
        """The commit a ref names: a commit id, a branch (also as `heads/x` or `refs/heads/x`), or the default."""
        # GitHub reads `HEAD` as the default branch's head.
        ref = self.default_branch if ref in (None, "", "HEAD") else ref
        if ref in self.commits:
            return ref
        branch = ref.removeprefix("refs/").removeprefix("heads/")
        return self.branches.get(branch)


@dataclass
class PullRequest:
    repo: str
    number: int
    id: int
    title: str
    body: str | None
    user: str
    head_sha: str
    head_ref: str
    head_repo: str
    base_ref: str
    base_sha: str
    diff: str
    state: str = "open"
    draft: bool = False
    created_at: str = ""
    files: list[FileDiff] = field(default_factory=list)
    files_at: dict[str, list[FileDiff]] = field(default_factory=dict)  # every head the PR had -> its files
    closed_at: str | None = None
    merged_at: str | None = None
    merge_commit_sha: str | None = None

    def __post_init__(self) -> None:
        self.push(self.diff, head_sha=self.head_sha)

    def push(self, diff: str, *, head_sha: str) -> None:
        """A new head: the diff is replaced; review comments on an older head still anchor on its diff."""
        self.diff = diff
        self.files = parse_files(diff)
        self.head_sha = head_sha
        self.files_at[head_sha] = self.files


@dataclass
class CheckRun:
    id: int
    repo: str
    head_sha: str
    name: str
    status: str
    conclusion: str | None
    started_at: str | None
    completed_at: str | None
    details_url: str | None
    external_id: str | None
    output: dict[str, Any] = field(default_factory=dict)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)  # every create/update body, in order


@dataclass
class Review:
    id: int
    repo: str
    number: int
    commit_id: str
    body: str
    state: str
    comments: list[dict[str, Any]]
    user: str
    submitted_at: str | None


@dataclass
class ReviewComment:
    """One inline comment of a review, on a line of the diff at the commit the review was made on."""

    id: int
    repo: str
    number: int
    review_id: int
    commit_id: str
    path: str
    line: int | None
    side: str
    diff_hunk: str
    body: str
    user: str
    user_type: str
    created_at: str


@dataclass
class IssueComment:
    id: int
    repo: str
    issue_number: int
    body: str
    user: str
    user_type: str
    created_at: str
    updated_at: str
    history: list[str] = field(default_factory=list)  # earlier bodies, oldest first


@dataclass
class Issue:
    id: int
    repo: str
    number: int
    title: str
    body: str | None
    user: str
    labels: list[str]
    assignees: list[str]
    state: str
    created_at: str


@dataclass
class Delivery:
    id: int
    guid: str
    event: str
    action: str | None
    status_code: int
    delivered_at: str
    installation_id: int | None
    repository_id: int | None
    redelivery: bool = False
    #: The body GitHub sent (what a redelivery sends again), when a test gave it.
    payload: bytes | None = None


@dataclass
class Token:
    value: str
    installation_id: int
    expires_at: float
    repository_ids: frozenset[int] | None  # None: every repository of the installation
    permissions: dict[str, str]


@dataclass
class AppManifest:
    """A manifest submitted on GitHub's "Create GitHub App" page, waiting for its code to be converted."""

    manifest: dict[str, Any]
    owner: str
    created: dict[str, Any] | None = None  # GitHub's answer to the conversion, pem and secrets included


@dataclass
class OAuthCode:
    """A one-time code of the OAuth web flow: who authorized which client, sent back to which URL, until when."""

    code: str
    login: str
    client_id: str
    redirect_uri: str | None  # as the authorize request gave it: the exchange must then give the same
    state: str | None
    expires_at: float
    used: bool = False


@dataclass
class UserToken:
    """A user access token of the App (`ghu_`), from the web flow's exchange."""

    value: str
    login: str
    expires_at: float


@dataclass
class OAuth:
    """The App's OAuth side on github.com: its client credentials and callback URLs, the login of the person
    signed in to GitHub in the browser, the codes issued and the user tokens they were exchanged for."""

    client_id: str | None = None
    client_secret: str | None = None
    callback_urls: list[str] = field(default_factory=list)
    signed_in: str | None = None
    codes: dict[str, OAuthCode] = field(default_factory=dict)
    user_tokens: dict[str, UserToken] = field(default_factory=dict)


@dataclass(frozen=True)
class Violation:
    """A request GitHub would refuse or silently misread: the client under test has a bug."""

    kind: str
    method: str
    path: str
    detail: str


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int
    operation_id: str | None


@dataclass
class World:
    app: AppIdentity
    installations: dict[int, Installation] = field(default_factory=dict)
    repositories: dict[str, Repository] = field(default_factory=dict)  # key: lower-cased full name
    pulls: dict[tuple[str, int], PullRequest] = field(default_factory=dict)
    issues: dict[tuple[str, int], Issue] = field(default_factory=dict)
    comments: dict[int, IssueComment] = field(default_factory=dict)
    check_runs: dict[int, CheckRun] = field(default_factory=dict)
    reviews: list[Review] = field(default_factory=list)
    review_comments: dict[int, ReviewComment] = field(default_factory=dict)
    deliveries: dict[int, Delivery] = field(default_factory=dict)
    redeliveries: list[int] = field(default_factory=list)
    #: The App's webhook endpoint as the fake reaches it: given a delivery, the status code it answered.
    #: None: every redelivery is answered 200.
    webhook_receiver: Callable[[Delivery], int] | None = None
    app_manifests: dict[str, AppManifest] = field(default_factory=dict)  # key: the one-time code
    tokens: dict[str, Token] = field(default_factory=dict)
    oauth: OAuth = field(default_factory=OAuth)
    users: dict[str, int] = field(default_factory=dict)  # login -> id of every user the fake knows
    requests: list[RecordedRequest] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)  # answers of the fake that depart from GitHub's description
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def next_id(self) -> int:
        return next(self._ids)

    def user_id(self, login: str) -> int:
        return self.users.setdefault(login, self.next_id())

    def repository(self, owner: str, name: str) -> Repository | None:
        # GitHub matches owner and repository names case-insensitively
        return self.repositories.get(f"{owner}/{name}".lower())

    def next_number(self, repo: str) -> int:
        """Pull requests and issues share one sequence of numbers per repository."""
        taken = [n for (r, n) in self.pulls if r == repo] + [n for (r, n) in self.issues if r == repo]
        return max(taken, default=0) + 1
