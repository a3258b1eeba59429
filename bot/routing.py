"""Which job, if any, a webhook delivery asks for: a pure table from (event, action) to a job.

Everything not routed is an `Ignore` with its reason, which GitHub shows in the app's delivery log.
Drafts are reviewed like any other pull request: feedback is cheapest early, and when the draft is marked
ready for review at the same head the review job has the same id, so arq does not run it twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.jobs import (
    AcceptCommand,
    DeliveryId,
    HeadReviewRequest,
    HeadSha,
    InstallationId,
    Job,
    PullRequestClosed,
    PushReview,
    RepoId,
    RepoRef,
    ReviewCommentCommand,
    ReviewRequest,
    SyncInstallation,
)
from bot.payloads import (
    CheckPullRequest,
    CheckRunEvent,
    CheckSuiteEvent,
    InstallationEvent,
    IssueCommentEvent,
    MalformedPayloadError,
    PingEvent,
    PullRequestEvent,
    PushEvent,
    Repository,
    RepositoryRef,
    action_of,
    read,
)

#: Pull request actions after which the code under review may differ from what was last reviewed.
REVIEW_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})
COMMAND_PREFIX = "/debtbot"
#: A command is the first non-blank line of a comment: `/debtbot <word> [arguments...]`.
_COMMAND = re.compile(r"\A\s*/debtbot(?=\s|\Z)[ \t]*(?P<word>[^\s]*)(?P<rest>.*)\Z", re.DOTALL | re.IGNORECASE)
_NO_COMMIT = "0" * 40


@dataclass(frozen=True)
class Route:
    """Queue `job` under its deterministic id."""

    job: Job

    @property
    def job_name(self) -> str:
        return self.job.name

    @property
    def job_id(self) -> str:
        return self.job.job_id


@dataclass(frozen=True)
class Ignore:
    """Nothing to do; `reason` says why."""

    reason: str


@dataclass(frozen=True)
class Pong(Ignore):
    """GitHub's `ping`: nothing to queue, answered with a pong."""

    zen: str | None = None


@dataclass(frozen=True)
class _Delivery:
    event: str
    payload: Mapping[str, Any]
    app_id: int
    delivery_id: DeliveryId

    def action(self) -> str:
        action = action_of(self.payload)
        if action is None:
            missing = self.payload.get("action") is None
            raise MalformedPayloadError(f"malformed payload: {'missing' if missing else 'invalid'} action")
        return action


def route(event: str, payload: Mapping[str, Any], *, app_id: int, delivery_id: str) -> Route | Ignore:
    """The job a delivery asks for, or why it asks for none. Never raises on a payload's content.

    `app_id` is this GitHub App's id (other apps' check events reach us too); `delivery_id` is the
    `X-GitHub-Delivery` header, which jobs carry and explicit re-run requests put in their job id.
    """
    handler = _HANDLERS.get(event)
    if handler is None:
        return Ignore(f"{event[:100]} events are not handled")
    try:
        return handler(_Delivery(event, payload, app_id, DeliveryId(delivery_id)))
    except MalformedPayloadError as error:
        return Ignore(str(error))


def _pull_request(delivery: _Delivery) -> Route | Ignore:
    action = delivery.action()
    if action not in REVIEW_ACTIONS | {"closed", "edited"}:
        return Ignore(f"pull_request.{action} does not change the code under review")
    event = read(PullRequestEvent, delivery.payload)
    if action == "closed":
        return Route(_closed(event, delivery))
    if action == "edited":
        if event.changes is None or event.changes.base is None:
            return Ignore("pull_request.edited changed the title or body, not the base branch")
        # Same head, new base: the diff differs, so this review must not collide with the earlier one.
        return Route(_review(event, delivery, rerun=True))
    return Route(_review(event, delivery, rerun=False))


def _review(event: PullRequestEvent, delivery: _Delivery, *, rerun: bool) -> ReviewRequest:
    pr = event.pull_request
    return ReviewRequest(
        installation_id=InstallationId(event.installation.id),
        delivery_id=delivery.delivery_id,
        repo_id=RepoId(event.repository.id),
        repo_full_name=event.repository.full_name,
        pr_number=pr.number,
        head_sha=HeadSha(pr.head.sha),
        base_ref=pr.base.ref,
        rerun=rerun,
        trigger=f"pull_request.{event.action}",
    )


def _closed(event: PullRequestEvent, delivery: _Delivery) -> PullRequestClosed:
    pr = event.pull_request
    merged = pr.merged if pr.merged is not None else pr.merged_at is not None
    return PullRequestClosed(
        installation_id=InstallationId(event.installation.id),
        delivery_id=delivery.delivery_id,
        repo_id=RepoId(event.repository.id),
        repo_full_name=event.repository.full_name,
        pr_number=pr.number,
        merged=merged,
        # GitHub fills merge_commit_sha with a test-merge commit on unmerged pull requests: keep it only if merged.
        merge_commit_sha=pr.merge_commit_sha if merged else None,
        author=pr.user.login if pr.user else None,
        merged_at=pr.merged_at,
        head_sha=HeadSha(pr.head.sha),
        base_ref=pr.base.ref,
        default_branch=event.repository.default_branch,
    )


def _check_app_id(payload: Mapping[str, Any], key: str) -> int | None:
    check = payload.get(key)
    app = check.get("app") if isinstance(check, Mapping) else None
    app_id = app.get("id") if isinstance(app, Mapping) else None
    return app_id if isinstance(app_id, int) else None


def _check_run(delivery: _Delivery) -> Route | Ignore:
    owner = _check_app_id(delivery.payload, "check_run")
    if owner is not None and owner != delivery.app_id:
        return Ignore(f"check_run of another app (app id {owner}, ours is {delivery.app_id})")
    action = delivery.action()
    if action != "rerequested":
        return Ignore(f"check_run.{action}: only a re-run request of our check run starts a review")
    event = read(CheckRunEvent, delivery.payload)
    if event.check_run.app.id != delivery.app_id:
        return Ignore(f"check_run of another app (app id {event.check_run.app.id}, ours is {delivery.app_id})")
    run = event.check_run
    return _review_head_again(event.installation.id, event.repository, run.head_sha, run.pull_requests, delivery)


def _check_suite(delivery: _Delivery) -> Route | Ignore:
    owner = _check_app_id(delivery.payload, "check_suite")
    if owner is not None and owner != delivery.app_id:
        return Ignore(f"check_suite of another app (app id {owner}, ours is {delivery.app_id})")
    action = delivery.action()
    if action != "rerequested":
        return Ignore(f"check_suite.{action}: reviews start from pull_request events; only a re-run request counts")
    event = read(CheckSuiteEvent, delivery.payload)
    if event.check_suite.app.id != delivery.app_id:
        return Ignore(f"check_suite of another app (app id {event.check_suite.app.id}, ours is {delivery.app_id})")
    suite = event.check_suite
    return _review_head_again(event.installation.id, event.repository, suite.head_sha, suite.pull_requests, delivery)


def _review_head_again(
    installation_id: int,
    repository: Repository,
    head_sha: str,
    pull_requests: tuple[CheckPullRequest, ...],
    delivery: _Delivery,
) -> Route:
    """A re-run request names a head; review it again for the pull request(s) it belongs to."""
    ours = [pr for pr in pull_requests if pr.base.repo.id == repository.id]
    trigger = f"{delivery.event}.rerequested"
    if len(ours) == 1:
        return Route(
            ReviewRequest(
                installation_id=InstallationId(installation_id),
                delivery_id=delivery.delivery_id,
                repo_id=RepoId(repository.id),
                repo_full_name=repository.full_name,
                pr_number=ours[0].number,
                head_sha=HeadSha(head_sha),
                base_ref=ours[0].base.ref,
                rerun=True,
                trigger=trigger,
            )
        )
    # None listed (a fork's pull request: GitHub leaves the list empty) or several sharing the head.
    return Route(
        HeadReviewRequest(
            installation_id=InstallationId(installation_id),
            delivery_id=delivery.delivery_id,
            repo_id=RepoId(repository.id),
            repo_full_name=repository.full_name,
            head_sha=HeadSha(head_sha),
            pr_numbers=tuple(sorted(pr.number for pr in ours)),
            trigger=trigger,
        )
    )


def parse_command(body: str) -> tuple[str, str] | None:
    """(command word in lower case, the text after it) when the comment starts with `/debtbot`, else None."""
    match = _COMMAND.match(body)
    if match is None:
        return None
    return match["word"].lower(), match["rest"].strip()


def _issue_comment(delivery: _Delivery) -> Route | Ignore:
    action = delivery.action()
    if action != "created":
        return Ignore(f"issue_comment.{action}: only a new comment can give a command")
    event = read(IssueCommentEvent, delivery.payload)
    if event.issue.pull_request is None:
        return Ignore("comment on an issue, not on a pull request")
    comment = event.comment
    if comment.user.type == "Bot" or comment.performed_via_github_app is not None:
        # Our own summary comment quotes the commands; a bot never gives one.
        return Ignore("comment by a bot")
    command = parse_command(comment.body or "")
    if command is None:
        return Ignore(f"comment holds no {COMMAND_PREFIX} command")
    word, rest = command
    review = ReviewCommentCommand(
        installation_id=InstallationId(event.installation.id),
        delivery_id=delivery.delivery_id,
        repo_id=RepoId(event.repository.id),
        repo_full_name=event.repository.full_name,
        pr_number=event.issue.number,
        comment_id=comment.id,
        author=comment.user.login,
        author_association=comment.author_association,
    )
    if word == "review":
        return Route(review)
    if word == "accept":
        return Route(AcceptCommand(**review.model_dump(), arguments=rest))
    if not word:
        return Ignore(f"{COMMAND_PREFIX} without a command (try `{COMMAND_PREFIX} review`)")
    return Ignore(f"unknown command `{COMMAND_PREFIX} {word[:40]}`")


def _push(delivery: _Delivery) -> Route | Ignore:
    event = read(PushEvent, delivery.payload)
    default = event.repository.default_branch
    if default is None:
        raise MalformedPayloadError("malformed payload: missing repository.default_branch")
    if event.ref != f"refs/heads/{default}":
        return Ignore(f"push to {event.ref[:200]}, not to the default branch {default}")
    if event.deleted or event.after == _NO_COMMIT:
        return Ignore("push deleted the default branch")
    if event.created or event.before == _NO_COMMIT:
        return Ignore("push created the default branch: there is no earlier commit to compare with")
    return Route(
        PushReview(
            installation_id=InstallationId(event.installation.id),
            delivery_id=delivery.delivery_id,
            repo_id=RepoId(event.repository.id),
            repo_full_name=event.repository.full_name,
            ref=event.ref,
            before=HeadSha(event.before),
            after=HeadSha(event.after),
            forced=event.forced,
            pusher=_pusher(delivery.payload),
            pushed_at=_pushed_at(delivery.payload),
        )
    )


def _pusher(payload: Mapping[str, Any]) -> str | None:
    """The login of who pushed: the event's sender (the `pusher` object gives a git name, not always a login)."""
    sender = payload.get("sender")
    login = sender.get("login") if isinstance(sender, Mapping) else None
    if isinstance(login, str) and login:
        return login
    pusher = payload.get("pusher")
    name = pusher.get("name") if isinstance(pusher, Mapping) else None
    return name if isinstance(name, str) and name else None


def _pushed_at(payload: Mapping[str, Any]) -> datetime | None:
    """When the push landed: a push event's `repository.pushed_at` is in seconds since the epoch."""
    repository = payload.get("repository")
    pushed = repository.get("pushed_at") if isinstance(repository, Mapping) else None
    if isinstance(pushed, bool) or not isinstance(pushed, int | float) or pushed <= 0:
        return None
    try:
        return datetime.fromtimestamp(pushed, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _repos(refs: tuple[RepositoryRef, ...] | None) -> tuple[RepoRef, ...]:
    return tuple(RepoRef(id=RepoId(ref.id), full_name=ref.full_name) for ref in refs or ())


def _installation(delivery: _Delivery) -> Route:
    event = read(InstallationEvent, delivery.payload)
    installation = event.installation
    return Route(
        SyncInstallation(
            installation_id=InstallationId(installation.id),
            delivery_id=delivery.delivery_id,
            event=delivery.event,
            action=event.action,
            account_login=installation.account.login if installation.account else None,
            repository_selection=installation.repository_selection,
            repositories=_repos(event.repositories),
            repositories_added=_repos(event.repositories_added),
            repositories_removed=_repos(event.repositories_removed),
        )
    )


def _ping(delivery: _Delivery) -> Pong:
    return Pong("ping", zen=read(PingEvent, delivery.payload).zen)


_HANDLERS: dict[str, Callable[[_Delivery], Route | Ignore]] = {
    "pull_request": _pull_request,
    "check_run": _check_run,
    "check_suite": _check_suite,
    "issue_comment": _issue_comment,
    "push": _push,
    "installation": _installation,
    "installation_repositories": _installation,
    "ping": _ping,
}
