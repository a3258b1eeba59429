"""The worker's jobs: review a pull request, and the small jobs around it. Orchestration only.

Each job takes the plain dict `bot.jobs` queued, rebuilds its model, binds the job's context to every log
line (delivery, installation, repository, pull request, head), and sends every failure through
`bot.errors.classify`: retry later (`arq.Retry` with the wait GitHub asked for), ignore (complete quietly),
tell the user (a neutral check run that says what to do), or a bug (re-raised, logged with the delivery id).
A review (`bot.pull_review`) never leaves its check run in progress: whatever ends it (success, a refusal,
the last try of a passing failure, a bug) completes the check run first.

`accept_command` and `review_push` are not supported yet: they log that and complete.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from arq import Retry
from structlog.contextvars import bound_contextvars

from bot.db import store
from bot.db.models import PullRequestState, RepositorySelection
from bot.errors import Ignore, RetryLater, TellUser, classify
from bot.github import GitHubGateway, PullInfo
from bot.jobs import (
    AcceptCommand,
    HeadReviewRequest,
    HeadSha,
    Job,
    PullRequestClosed,
    PushReview,
    ReviewCommentCommand,
    ReviewRequest,
    SyncInstallation,
)
from bot.logging import get_logger
from bot.metrics import observe_job
from bot.pull_review import GHOST, PullRequestReview
from bot.worker_context import JOB_ID, JOB_TRY, Outcome, WorkerDeps, deps_of

log = get_logger(__name__)

Context = dict[str, Any]
#: Repository permissions that may ask for a review again (besides the pull request's author).
COMMAND_PERMISSIONS = frozenset({"admin", "write"})


def _attempt(ctx: Context) -> int:
    return int(ctx.get(JOB_TRY) or 1)


async def _run(ctx: Context, job: Job, work: Callable[[], Awaitable[Outcome]], **context: Any) -> str:
    """Run one job with its log context bound, counting its outcome and duration."""
    began = time.monotonic()
    with bound_contextvars(
        job=job.name,
        job_id=ctx.get(JOB_ID),
        job_try=_attempt(ctx),
        delivery_id=job.delivery_id,
        installation_id=job.installation_id,
        **context,
    ):
        try:
            outcome = await work()
        except Retry:
            observe_job(job.name, "retry", time.monotonic() - began)
            raise
        except Exception:
            log.exception("job_failed")
            observe_job(job.name, Outcome.FAILED, time.monotonic() - began)
            raise
        observe_job(job.name, outcome, time.monotonic() - began)
        log.info("job_done", outcome=outcome.value)
        return outcome.value


def _settle(exc: Exception, ctx: Context, deps: WorkerDeps) -> Outcome:
    """A small job's failure: retry later (raises `arq.Retry`), or end quietly; a bug is re-raised."""
    attempt = _attempt(ctx)
    verdict = classify(exc, attempt=attempt)
    if isinstance(verdict, RetryLater):
        if attempt < deps.options.max_tries:
            log.warning("job_retry_later", reason=verdict.reason, defer=verdict.seconds)
            raise Retry(defer=deps.options.defer(verdict.seconds)) from exc
        log.error("job_gave_up", reason=verdict.reason, tries=attempt)
        return Outcome.FAILED
    if isinstance(verdict, Ignore):
        log.info("job_ignored", reason=verdict.reason)
        return Outcome.IGNORED
    if isinstance(verdict, TellUser):
        log.warning("job_refused", reason=verdict.message)
        return Outcome.TOLD_USER
    raise exc


async def _enqueue(deps: WorkerDeps, request: ReviewRequest) -> bool:
    """Queue a review in the worker's own queue; False when a job with its id is already in hand."""
    if deps.redis is None:
        raise RuntimeError("no Redis pool in the worker's context to queue the review in")
    job = await deps.redis.enqueue_job(request.name, request.to_queue(), _job_id=request.job_id)
    log.info("review_enqueued", pr=request.pr_number, head_sha=request.head_sha, queued_now=job is not None)
    return job is not None


# --- review_pull_request --------------------------------------------------------------------------------------------


async def review_pull_request(ctx: Context, payload: dict[str, Any]) -> str:
    """Review a pull request at a head and publish the check run, inline comments and the sticky summary."""
    request = ReviewRequest.model_validate(payload)
    deps = deps_of(ctx)
    reviewer = PullRequestReview(deps, request, job_id=str(ctx.get(JOB_ID) or request.job_id), attempt=_attempt(ctx))
    return await _run(
        ctx,
        request,
        reviewer.run,
        repo=request.repo_full_name,
        pr=request.pr_number,
        head_sha=request.head_sha,
        trigger=request.trigger,
    )


# --- re-runs ---------------------------------------------------------------------------------------------------------


async def review_head(ctx: Context, payload: dict[str, Any]) -> str:
    """A re-run of our check run or suite: review again every open pull request whose head is that commit.

    The pull requests are the ones the event listed, or (a fork's, which the event does not list) the open ones
    this database knows at that head, or, when it knows none (it was lost, or never saw them), the ones GitHub
    finds for the commit.
    """
    request = HeadReviewRequest.model_validate(payload)
    deps = deps_of(ctx)

    async def work() -> Outcome:
        gateway = deps.github.gateway_for(request.installation_id)
        try:
            numbers = await _pulls_at_head(deps, gateway, request)
            if not numbers:
                log.info("review_head_no_pull_request")
                return Outcome.IGNORED
            for number in numbers:
                pull = await gateway.get_pull(request.repo_full_name, number)
                if pull.state != "open" or pull.head_sha != request.head_sha:
                    log.info("review_head_skipped", pr=number, state=pull.state, current_head=pull.head_sha)
                    continue
                await _enqueue(deps, _rerun(request, pull, trigger=request.trigger))
        except Exception as failure:  # noqa: BLE001 - classified: retried, ended quietly, or re-raised
            return _settle(failure, ctx, deps)
        return Outcome.SUCCESS

    return await _run(ctx, request, work, repo=request.repo_full_name, head_sha=request.head_sha)


async def _pulls_at_head(deps: WorkerDeps, gateway: GitHubGateway, request: HeadReviewRequest) -> Sequence[int]:
    """The numbers of the pull requests to review again: listed by the event, known here, or found on GitHub."""
    if request.pr_numbers:
        return request.pr_numbers
    async with deps.sessions.begin() as session:
        known = await store.open_pull_requests_at(session, request.repo_id, request.head_sha)
    if known:
        return known
    found = await gateway.list_pulls_for_commit(request.repo_full_name, request.head_sha)
    numbers = sorted({p.number for p in found if p.state == "open" and p.head_sha == request.head_sha})
    log.info("review_head_pull_requests_from_github", listed=len(found), open_at_head=len(numbers))
    return numbers


def _rerun(job: HeadReviewRequest | ReviewCommentCommand, pull: PullInfo, *, trigger: str) -> ReviewRequest:
    return ReviewRequest(
        installation_id=job.installation_id,
        delivery_id=job.delivery_id,
        repo_id=job.repo_id,
        repo_full_name=job.repo_full_name,
        pr_number=pull.number,
        head_sha=HeadSha(pull.head_sha),
        base_ref=pull.base_ref,
        rerun=True,
        trigger=trigger,
    )


async def review_comment_command(ctx: Context, payload: dict[str, Any]) -> str:
    """`/debtbot review`: review the pull request's current head again, if the author may ask for it."""
    request = ReviewCommentCommand.model_validate(payload)
    deps = deps_of(ctx)

    async def work() -> Outcome:
        gateway = deps.github.gateway_for(request.installation_id)
        try:
            pull = await gateway.get_pull(request.repo_full_name, request.pr_number)
            if pull.state != "open":
                log.info("command_pull_request_not_open", state=pull.state)
                return Outcome.IGNORED
            if not await _may_ask_for_review(gateway, request, pull):
                log.info("command_refused", author=request.author)
                return Outcome.IGNORED
            await _enqueue(deps, _rerun(request, pull, trigger="issue_comment.created"))
        except Exception as failure:  # noqa: BLE001 - classified: retried, ended quietly, or re-raised
            return _settle(failure, ctx, deps)
        return Outcome.SUCCESS

    return await _run(ctx, request, work, repo=request.repo_full_name, pr=request.pr_number)


async def _may_ask_for_review(gateway: GitHubGateway, command: ReviewCommentCommand, pull: PullInfo) -> bool:
    """The pull request's author, or anyone who may write to the repository."""
    if pull.author is not None and pull.author.lower() == command.author.lower():
        return True
    return await gateway.get_permission(command.repo_full_name, command.author) in COMMAND_PERMISSIONS


# --- bookkeeping -----------------------------------------------------------------------------------------------------


async def sync_installation(ctx: Context, payload: dict[str, Any]) -> str:
    """Keep the installation and its repositories as GitHub last described them."""
    request = SyncInstallation.model_validate(payload)
    deps = deps_of(ctx)

    async def work() -> Outcome:
        selection = RepositorySelection.ALL if request.repository_selection == "all" else RepositorySelection.SELECTED
        async with deps.sessions.begin() as session:
            await store.upsert_installation(
                session,
                installation_id=request.installation_id,
                account_login=request.account_login or f"installation-{request.installation_id}",
                # The job does not carry the account's type; GitHub's installations are mostly organizations'.
                account_type="Organization",
                repository_selection=selection,
                suspended=request.action == "suspend",
            )
            if request.action == "deleted":
                await store.set_installation_repositories(session, request.installation_id, [])
            elif request.repositories and request.event == "installation":
                await store.set_installation_repositories(
                    session, request.installation_id, [_repository(r.id, r.full_name) for r in request.repositories]
                )
            if request.repositories_added or request.repositories_removed:
                await store.change_installation_repositories(
                    session,
                    request.installation_id,
                    added=[_repository(r.id, r.full_name) for r in request.repositories_added],
                    removed=[r.id for r in request.repositories_removed],
                )
        log.info(
            "installation_synced",
            action=request.action,
            repositories=len(request.repositories),
            added=len(request.repositories_added),
            removed=len(request.repositories_removed),
        )
        return Outcome.SUCCESS

    return await _run(ctx, request, work, event=f"{request.event}.{request.action}")


def _repository(repo_id: int, full_name: str) -> store.RepositoryInfo:
    # Installation events name repositories without their visibility: private until an event says otherwise.
    return store.RepositoryInfo(id=repo_id, full_name=full_name, private=True)


async def pr_closed(ctx: Context, payload: dict[str, Any]) -> str:
    """A pull request was closed (merged or not): its final state is recorded (the ledger books it later)."""
    request = PullRequestClosed.model_validate(payload)
    deps = deps_of(ctx)

    async def work() -> Outcome:
        async with deps.sessions.begin() as session:
            await store.upsert_pull_request(
                session,
                repo_id=request.repo_id,
                number=request.pr_number,
                author=request.author or GHOST,
                base_ref=request.base_ref,
                head_sha=request.head_sha,
                state=PullRequestState.CLOSED,
                merged=request.merged,
                merged_at=request.merged_at,
                merge_commit_sha=request.merge_commit_sha,
            )
        log.info("pull_request_closed", merged=request.merged)
        return Outcome.SUCCESS

    return await _run(ctx, request, work, repo=request.repo_full_name, pr=request.pr_number)


async def accept_command(ctx: Context, payload: dict[str, Any]) -> str:
    """`/debtbot accept ...`: not supported yet; logged and completed."""
    request = AcceptCommand.model_validate(payload)

    async def work() -> Outcome:
        log.info("not_yet_supported", command="accept")
        return Outcome.IGNORED

    return await _run(ctx, request, work, repo=request.repo_full_name, pr=request.pr_number)


async def review_push(ctx: Context, payload: dict[str, Any]) -> str:
    """A push to the default branch: not supported yet; logged and completed."""
    request = PushReview.model_validate(payload)

    async def work() -> Outcome:
        log.info("not_yet_supported", job="review_push")
        return Outcome.IGNORED

    return await _run(ctx, request, work, repo=request.repo_full_name, head_sha=request.after)
