"""The fake GitHub a test talks to: set up the world, inject failures, serve it, and inspect what happened.

with FakeGitHub(app_id=1, public_key=key.public_pem) as fake:
    fake.add_installation(100, "octo-org")
    fake.add_repository("octo-org/widgets", installation_id=100)
    github = GitHub(AppAuthStrategy(1, key.private_pem), base_url=fake.url)
    ...
    fake.assert_no_violations()
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

from tests.fakegithub.dispatch import Dispatcher
from tests.fakegithub.failures import Failure, FailurePlan
from tests.fakegithub.openapi import github_spec
from tests.fakegithub.ratelimit import RateLimits
from tests.fakegithub.routes import Settings
from tests.fakegithub.routes.pulls import add_review_comment
from tests.fakegithub.server import FakeGitHubApp, ServerThread
from tests.fakegithub.state import (
    DEFAULT_PERMISSIONS,
    AppIdentity,
    CheckRun,
    Delivery,
    Installation,
    Issue,
    IssueComment,
    OAuthCode,
    PullRequest,
    RecordedRequest,
    Repository,
    Review,
    ReviewComment,
    Token,
    UserToken,
    Violation,
    World,
    iso,
)


class FakeGitHub:
    def __init__(
        self,
        *,
        app_id: int,
        public_key: str | bytes,
        app_slug: str = "debtbot",
        app_owner: str = "debtbot-org",
        settings: Settings | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        key = public_key.encode() if isinstance(public_key, str) else public_key
        self.world = World(app=AppIdentity(id=app_id, slug=app_slug, public_key=key, name=app_slug, owner=app_owner))
        self.settings = settings or Settings()
        self.clock = clock
        self.rate_limits = RateLimits()
        self.failures = FailurePlan()
        self.lock = threading.RLock()
        self._server: ServerThread | None = None

    # -- serving -----------------------------------------------------------------------------------------------

    def start(self) -> None:
        server = ServerThread()
        dispatcher = Dispatcher(
            world=self.world,
            spec=github_spec(),
            settings=self.settings,
            rate_limits=self.rate_limits,
            clock=self.clock,
            base_url=server.url,
        )
        server.start(FakeGitHubApp(dispatcher=dispatcher, failures=self.failures, world=self.world, lock=self.lock))
        self._server = server

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> FakeGitHub:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL to give the client (`GitHub(..., base_url=fake.url)`)."""
        if self._server is None:
            raise RuntimeError("the fake GitHub is not serving: use it as a context manager")
        return self._server.url

    # -- the world ---------------------------------------------------------------------------------------------

    def add_installation(
        self,
        installation_id: int,
        account: str,
        *,
        account_type: str = "Organization",
        permissions: Mapping[str, str] | None = None,
    ) -> Installation:
        with self.lock:
            installation = Installation(
                id=installation_id,
                account=account,
                account_id=self.world.user_id(account),
                account_type=account_type,
                permissions=dict(DEFAULT_PERMISSIONS if permissions is None else permissions),
            )
            self.world.installations[installation_id] = installation
            return installation

    def add_repository(
        self,
        full_name: str,
        *,
        installation_id: int,
        default_branch: str = "main",
        private: bool = True,
        files: Mapping[str, str | bytes] | None = None,
    ) -> Repository:
        """A repository of an installation; `files` become the default branch's commit."""
        owner, name = full_name.split("/")
        with self.lock:
            repo = Repository(
                id=self.world.next_id(),
                owner=owner,
                name=name,
                installation_id=installation_id,
                default_branch=default_branch,
                private=private,
            )
            self.world.repositories[full_name.lower()] = repo
            if files is not None:
                repo.add_commit(files, branch=default_branch)
            return repo

    def repository(self, full_name: str) -> Repository:
        owner, name = full_name.split("/")
        repo = self.world.repository(owner, name)
        if repo is None:
            raise KeyError(full_name)
        return repo

    def add_pull_request(
        self,
        full_name: str,
        *,
        diff: str,
        head_sha: str | None = None,
        base_sha: str | None = None,
        number: int | None = None,
        title: str = "Change things",
        body: str | None = None,
        user: str = "octocat",
        head_ref: str = "feature",
        base_ref: str | None = None,
        head_repo: str | None = None,
        draft: bool = False,
    ) -> PullRequest:
        """An open pull request whose diff is `diff` (a `git diff` text); `head_repo` names a fork."""
        with self.lock:
            repo = self.repository(full_name)
            number = number or self.world.next_number(repo.full_name)
            head_sha = head_sha or uuid.uuid4().hex + uuid.uuid4().hex[:8]
            base_sha = base_sha or repo.resolve(base_ref) or uuid.uuid4().hex + uuid.uuid4().hex[:8]
            self.world.user_id(user)
            pr = PullRequest(
                repo=repo.full_name,
                number=number,
                id=self.world.next_id(),
                title=title,
                body=body,
                user=user,
                head_sha=head_sha,
                head_ref=head_ref,
                head_repo=head_repo or repo.full_name,
                base_ref=base_ref or repo.default_branch,
                base_sha=base_sha,
                diff=diff,
                draft=draft,
                created_at=iso(self.clock()),
            )
            self.world.pulls[(repo.full_name, number)] = pr
            return pr

    def push(self, full_name: str, number: int, *, diff: str, head_sha: str) -> None:
        """A new head for a pull request (a `synchronize`)."""
        with self.lock:
            self.world.pulls[(self.repository(full_name).full_name, number)].push(diff, head_sha=head_sha)

    def close_pull(self, full_name: str, number: int) -> PullRequest:
        """Close a pull request without merging it."""
        with self.lock:
            pr = self.world.pulls[(self.repository(full_name).full_name, number)]
            pr.state, pr.closed_at = "closed", iso(self.clock())
            return pr

    def merge_pull(self, full_name: str, number: int, *, merge_commit_sha: str) -> PullRequest:
        """Merge a pull request as `merge_commit_sha` (a commit of the repository): closed, merged, listed for it."""
        with self.lock:
            pr = self.world.pulls[(self.repository(full_name).full_name, number)]
            now = iso(self.clock())
            pr.state, pr.closed_at, pr.merged_at, pr.merge_commit_sha = "closed", now, now, merge_commit_sha
            return pr

    def add_issue_comment(self, full_name: str, number: int, body: str, *, user: str = "octocat") -> IssueComment:
        """A comment someone else wrote (the app's own comments come through the API)."""
        with self.lock:
            self.world.user_id(user)
            now = iso(self.clock())
            comment = IssueComment(
                id=self.world.next_id(),
                repo=self.repository(full_name).full_name,
                issue_number=number,
                body=body,
                user=user,
                user_type="User",
                created_at=now,
                updated_at=now,
            )
            self.world.comments[comment.id] = comment
            return comment

    def add_review_comment(
        self, full_name: str, number: int, body: str, *, path: str, line: int, user: str = "octocat"
    ) -> ReviewComment:
        """An inline comment someone else wrote on the pull request's current head, in a review of their own."""
        with self.lock:
            self.world.user_id(user)
            pr = self.world.pulls[(self.repository(full_name).full_name, number)]
            review = Review(
                id=self.world.next_id(),
                repo=pr.repo,
                number=number,
                commit_id=pr.head_sha,
                body="",
                state="COMMENTED",
                comments=[{"path": path, "line": line, "side": "RIGHT", "body": body}],
                user=user,
                submitted_at=iso(self.clock()),
            )
            self.world.reviews.append(review)
            return add_review_comment(self.world, pr, review, review.comments[0], pr.files, now=self.clock())

    def add_user(self, login: str) -> None:
        with self.lock:
            self.world.user_id(login)

    def set_permission(self, full_name: str, login: str, role: str) -> None:
        """A collaborator's role: admin, maintain, write, triage or read."""
        with self.lock:
            self.world.user_id(login)
            self.repository(full_name).collaborators[login] = role

    def add_delivery(
        self,
        event: str,
        *,
        action: str | None = None,
        status_code: int = 200,
        guid: str | None = None,
        installation_id: int | None = None,
        repository_id: int | None = None,
        delivered_at: float | None = None,
        redelivery: bool = False,
        payload: bytes | None = None,
    ) -> Delivery:
        """A webhook delivery in the App's delivery log (a failed one has a non-2xx `status_code`).

        `delivered_at` is a time as the fake's clock gives it (default: now); `payload` is the body sent, which
        a redelivery sends again to the receiver given to `receive_webhooks`.
        """
        with self.lock:
            delivery = Delivery(
                id=self.world.next_id(),
                guid=guid or str(uuid.uuid4()),
                event=event,
                action=action,
                status_code=status_code,
                delivered_at=iso(self.clock() if delivered_at is None else delivered_at),
                installation_id=installation_id,
                repository_id=repository_id,
                redelivery=redelivery,
                payload=payload,
            )
            self.world.deliveries[delivery.id] = delivery
            return delivery

    def receive_webhooks(self, receiver: Callable[[Delivery], int] | None) -> None:
        """Where redeliveries go: `receiver` gets each one (its `payload` is the body) and returns the status
        code the App's endpoint answered, which the delivery log records. It is called under the fake's lock,
        from the fake's server thread."""
        with self.lock:
            self.world.webhook_receiver = receiver

    # -- signing in with GitHub (the OAuth web flow) ---------------------------------------------------------

    def set_oauth_client(self, client_id: str, client_secret: str, *, callback_urls: Sequence[str]) -> None:
        """The App's OAuth credentials and callback URLs, as its settings page on GitHub holds them."""
        with self.lock:
            oauth = self.world.oauth
            oauth.client_id, oauth.client_secret, oauth.callback_urls = client_id, client_secret, list(callback_urls)

    def sign_in(self, login: str | None) -> None:
        """The person signed in to GitHub in the browser (None: nobody); the authorize page lets them through."""
        with self.lock:
            if login is not None:
                self.world.user_id(login)
            self.world.oauth.signed_in = login

    def oauth_codes(self) -> list[OAuthCode]:
        with self.lock:
            return list(self.world.oauth.codes.values())

    def user_tokens(self) -> list[UserToken]:
        with self.lock:
            return list(self.world.oauth.user_tokens.values())

    def revoke_user_tokens(self, login: str | None = None) -> None:
        """The person revoked the App's authorization: their user tokens answer 401 from now on."""
        with self.lock:
            tokens = self.world.oauth.user_tokens
            for value in [v for v, token in tokens.items() if login in (None, token.login)]:
                del tokens[value]

    # -- failures and limits -----------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        times: int | None = 1,
        delay: float = 0.0,
        applied: bool = False,
    ) -> Failure:
        """Answer matching requests with `status` (GitHub's body for it unless `body` is given); `applied`: after
        carrying them out, as when a proxy fails a request GitHub has done (a 502 on a write that was made)."""
        failure = Failure(method.upper(), path_regex, status, dict(headers or {}), body, times, delay, applied=applied)
        with self.lock:
            return self.failures.add(failure)

    def slow(self, method: str, path_regex: str, delay: float, *, times: int | None = 1) -> Failure:
        """Answer matching requests normally, `delay` seconds late."""
        with self.lock:
            return self.failures.add(Failure(method.upper(), path_regex, None, times=times, delay=delay))

    def hang(self, method: str, path_regex: str, *, times: int | None = 1) -> Failure:
        """Never answer matching requests (until the fake stops): the client's timeout must act."""
        return self.slow(method, path_regex, math.inf, times=times)

    def fail_secondary_rate_limit(
        self, method: str, path_regex: str, *, retry_after: int = 60, status: int = 403, times: int | None = 1
    ) -> Failure:
        return self.fail(method, path_regex, status, headers={"retry-after": str(retry_after)}, times=times)

    def fail_primary_rate_limit(
        self, method: str, path_regex: str, *, reset_in: int = 3600, times: int | None = 1
    ) -> Failure:
        reset = str(int(self.clock()) + reset_in)
        headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
        return self.fail(method, path_regex, 403, headers=headers, times=times)

    def set_rate_limit_remaining(self, installation_id: int, remaining: int, *, reset_in: int = 3600) -> None:
        """Spend an installation's real budget: at 0 every request of it gets GitHub's 403 until the reset."""
        with self.lock:
            self.rate_limits.set_remaining(
                f"installation:{installation_id}", remaining, now=self.clock(), reset_in=reset_in
            )

    def expire_tokens(self, installation_id: int | None = None) -> None:
        """Expire issued installation tokens now (a client caching one must get a new one after a 401)."""
        with self.lock:
            for token in self.world.tokens.values():
                if installation_id in (None, token.installation_id):
                    token.expires_at = self.clock() - 1

    # -- inspection --------------------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.lock:
            return list(self.world.requests)

    @property
    def violations(self) -> list[Violation]:
        with self.lock:
            return list(self.world.violations)

    def take_violations(self) -> list[Violation]:
        """The violations so far, forgotten: for a test that provokes them on purpose."""
        with self.lock:
            taken = list(self.world.violations)
            self.world.violations.clear()
            return taken

    def assert_no_violations(self) -> None:
        """Nothing GitHub would refuse was sent, and every answer of the fake matched GitHub's description."""
        with self.lock:
            assert not self.world.violations, self.world.violations
            assert not self.world.defects, self.world.defects

    def check_runs(self, *, head_sha: str | None = None, repo: str | None = None) -> list[CheckRun]:
        with self.lock:
            return [
                run
                for run in self.world.check_runs.values()
                if head_sha in (None, run.head_sha) and (repo is None or run.repo.lower() == repo.lower())
            ]

    def reviews(self, full_name: str, number: int) -> list[Review]:
        with self.lock:
            name = self.repository(full_name).full_name
            return [r for r in self.world.reviews if r.repo == name and r.number == number]

    def review_comments(self, full_name: str, number: int) -> list[ReviewComment]:
        """The pull request's inline comments, oldest first."""
        with self.lock:
            name = self.repository(full_name).full_name
            found = (c for c in self.world.review_comments.values() if c.repo == name and c.number == number)
            return sorted(found, key=lambda c: c.id)

    def comments(self, full_name: str, number: int) -> list[IssueComment]:
        with self.lock:
            name = self.repository(full_name).full_name
            found = (c for c in self.world.comments.values() if c.repo == name and c.issue_number == number)
            return sorted(found, key=lambda c: c.id)

    def issues(self, full_name: str) -> list[Issue]:
        with self.lock:
            name = self.repository(full_name).full_name
            return sorted((i for i in self.world.issues.values() if i.repo == name), key=lambda i: i.number)

    def tokens(self, installation_id: int | None = None) -> list[Token]:
        with self.lock:
            return [t for t in self.world.tokens.values() if installation_id in (None, t.installation_id)]

    @property
    def redeliveries(self) -> list[int]:
        with self.lock:
            return list(self.world.redeliveries)
