"""The worker's jobs: review a pull request, and the small jobs around it. Orchestration only.

Each job takes the plain dict `bot.jobs` queued, rebuilds its model, binds the job's context to every log
line (delivery, installation, repository, pull request, head), and sends every failure through
`bot.errors.classify`: retry later (`arq.Retry` with the wait GitHub asked for), ignore (complete quietly),
tell the user (a neutral check run that says what to do), or a bug (re-raised, logged with the delivery id).
A review (`bot.pull_review`) never leaves its check run in progress: whatever ends it (success, a refusal,
the last try of a passing failure, a bug) completes the check run first.

Merged pull requests and pushes to the default branch are booked in the repository's debt ledger
(`bot.ledger.merges`, `bot.ledger.pushes`); `/debtbot accept` is obeyed for those who may write to it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from arq import Retry
from structlog.contextvars import bound_contextvars

from bot.db import store
from bot.db.models import LedgerSource, RepositorySelection, utcnow
from bot.errors import Ignore, RetryLater, TellUser, classify
from bot.github import GitHubGateway, PullInfo
from bot.jobs import (
    AcceptCommand,
    BaselineScan,
    CommentCommand,
    HeadReviewRequest,
    HeadSha,
    Job,
    PullRequestClosed,
    PushReview,
    ReviewCommentCommand,
    ReviewRequest,
    SyncInstallation,
)
from bot.ledger import acceptances, baseline, book, commands, merges, pushes
from bot.logging import get_logger
from bot.metrics import observe_job
from bot.pull_review import PullRequestReview
from bot.worker_context import JOB_ID, JOB_TRY, Outcome, WorkerDeps, deps_of

log = get_logger(__name__)

Context = dict[str, Any]
#: Repository permissions that may ask for a review again (besides the pull request's author).
COMMAND_PERMISSIONS = frozenset({"admin", "write"})
#: Repository permissions that may accept debt (GitHub reports maintain as write; named in case it does not).
ACCEPT_PERMISSIONS = frozenset({"admin", "maintain", "write"})


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
    queued = await _queue(deps, request)
    log.info("review_enqueued", pr=request.pr_number, head_sha=request.head_sha, queued_now=queued)
    return queued


async def _queue(deps: WorkerDeps, job: Job) -> bool:
    if deps.redis is None:
        raise RuntimeError(f"no Redis pool in the worker's context to queue {job.name} in")
    return await deps.redis.enqueue_job(job.name, job.to_queue(), _job_id=job.job_id) is not None


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


def _rerun(job: HeadReviewRequest | CommentCommand, pull: PullInfo, *, trigger: str) -> ReviewRequest:
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
        await _queue_baselines(deps, request)
        return Outcome.SUCCESS

    return await _run(ctx, request, work, event=f"{request.event}.{request.action}")


async def _queue_baselines(deps: WorkerDeps, request: SyncInstallation) -> None:
    """A new installation's repositories, and repositories added to one, are scanned once for the ledger."""
    new = request.repositories if (request.event, request.action) == ("installation", "created") else ()
    if request.action == "added":
        new = request.repositories_added
    if not new:
        return
    if deps.redis is None:
        log.warning("baseline_not_queued", reason="no Redis pool in the worker's context", repositories=len(new))
        return
    for repo in new:
        scan = BaselineScan(
            installation_id=request.installation_id,
            delivery_id=request.delivery_id,
            repo_id=repo.id,
            repo_full_name=repo.full_name,
        )
        log.info("baseline_queued", repo=repo.full_name, queued_now=await _queue(deps, scan))


async def baseline_scan(ctx: Context, payload: dict[str, Any]) -> str:
    """Scan a repository's default branch once, so its ledger starts from what it owes (`bot.ledger.baseline`)."""
    request = BaselineScan.model_validate(payload)
    deps = deps_of(ctx)

    async def work() -> Outcome:
        gateway = deps.github.gateway_for(request.installation_id)
        try:
            return await baseline.scan(deps, gateway, request)
        except Exception as failure:  # noqa: BLE001 - classified: retried, ended, or re-raised (and recorded)
            try:
                outcome = _settle(failure, ctx, deps)
            except Retry:
                raise
            except Exception:
                await baseline.fail(deps, request.repo_id, f"{type(failure).__name__}: {failure}")
                raise
            await baseline.fail(deps, request.repo_id, str(failure) or type(failure).__name__)
            return outcome

    return await _run(ctx, request, work, repo=request.repo_full_name)


def _repository(repo_id: int, full_name: str) -> store.RepositoryInfo:
    # Installation events name repositories without their visibility: private until an event says otherwise.
    return store.RepositoryInfo(id=repo_id, full_name=full_name, private=True)


async def pr_closed(ctx: Context, payload: dict[str, Any]) -> str:
    """A pull request was closed: merged, its debt is booked in the ledger (`bot.ledger.merges`); else recorded."""
    request = PullRequestClosed.model_validate(payload)
    deps = deps_of(ctx)

    async def work() -> Outcome:
        if not request.merged:
            await merges.record_close(deps, request)
            log.info("pull_request_closed", merged=False)
            return Outcome.SUCCESS
        gateway = deps.github.gateway_for(request.installation_id)
        try:
            return await merges.book_merge(deps, gateway, request)
        except Exception as failure:  # noqa: BLE001 - classified: retried, ended quietly, or re-raised
            return _settle(failure, ctx, deps)

    return await _run(ctx, request, work, repo=request.repo_full_name, pr=request.pr_number, merged=request.merged)


async def review_push(ctx: Context, payload: dict[str, Any]) -> str:
    """A push to the default branch: review what it changed and book it in the ledger (`bot.ledger.pushes`)."""
    request = PushReview.model_validate(payload)
    deps = deps_of(ctx)

    async def work() -> Outcome:
        gateway = deps.github.gateway_for(request.installation_id)
        try:
            return await pushes.book_push(deps, gateway, request)
        except Exception as failure:  # noqa: BLE001 - classified: retried, ended quietly, or re-raised
            return _settle(failure, ctx, deps)

    return await _run(ctx, request, work, repo=request.repo_full_name, before=request.before, head_sha=request.after)


# --- /debtbot accept -------------------------------------------------------------------------------------------------


async def accept_command(ctx: Context, payload: dict[str, Any]) -> str:
    """`/debtbot accept ...` from someone who may write to the repository: recorded, the ledger's items accepted,
    the pull request reviewed again so its check run stops failing on the debt. Anyone else is told politely."""
    request = AcceptCommand.model_validate(payload)
    deps = deps_of(ctx)

    async def work() -> Outcome:
        gateway = deps.github.gateway_for(request.installation_id)
        try:
            return await _accept(deps, gateway, request)
        except Exception as failure:  # noqa: BLE001 - classified: retried, ended quietly, or re-raised
            return _settle(failure, ctx, deps)

    return await _run(ctx, request, work, repo=request.repo_full_name, pr=request.pr_number)


async def _accept(deps: WorkerDeps, gateway: GitHubGateway, request: AcceptCommand) -> Outcome:
    repo, author, comment_id = request.repo_full_name, request.author, request.comment_id
    permission = await gateway.get_permission(repo, author)
    if permission not in ACCEPT_PERMISSIONS:
        log.info("accept_refused", author=author, permission=permission)
        await _reply(gateway, request, commands.refusal(author, comment_id), retried=False)
        return Outcome.TOLD_USER
    acceptance = await _understood(deps, request)
    if isinstance(acceptance, str):
        log.info("accept_not_understood", reason=acceptance)
        await _reply(gateway, request, commands.error_reply(author, comment_id, acceptance), retried=False)
        return Outcome.TOLD_USER
    by = book.Attribution(at=utcnow(), source=LedgerSource.PULL_REQUEST, pr_number=request.pr_number, actor=author)
    async with deps.sessions.begin() as session:
        row, new = await commands.record(
            session, request.repo_id, acceptance, accepted_by=author, pr_number=request.pr_number, comment_id=comment_id
        )
        items = await acceptances.accept_items(session, request.repo_id, row, by)
    pull = await gateway.get_pull(repo, request.pr_number)
    rerun = pull.head_sha if pull.state == "open" else None
    if rerun is not None:
        await _enqueue(deps, _rerun(request, pull, trigger="issue_comment.created"))
    body = commands.confirmation(author, comment_id, acceptance, items=items, rerun=rerun)
    await _reply(gateway, request, body, retried=not new)
    log.info("accept_obeyed", target=acceptance.target, until=str(acceptance.until), items=items, rerun=rerun)
    return Outcome.SUCCESS


async def _understood(deps: WorkerDeps, request: AcceptCommand) -> commands.Acceptance | str:
    """The command as read, or what is wrong with it (the reply says so)."""
    try:
        acceptance = commands.parse_accept(request.arguments, today=datetime.now(UTC).date())
    except commands.CommandError as wrong:
        return str(wrong)
    if acceptance.fingerprint is not None:
        async with deps.sessions() as session:
            known = await commands.known_fingerprint(
                session, request.repo_id, request.pr_number, acceptance.fingerprint
            )
        if not known:
            return f"no review of this repository reported the fingerprint `{acceptance.fingerprint}`."
    return acceptance


async def _reply(gateway: GitHubGateway, request: CommentCommand, body: str, *, retried: bool) -> None:
    """Answer a command on its pull request; a retried job first looks for the answer it posted before."""
    if retried:
        ours = (await gateway.app_login()).lower()
        comments = await gateway.list_issue_comments(request.repo_full_name, request.pr_number)
        if any(
            c.author is not None and c.author.lower() == ours and commands.is_reply_to(c.body, request.comment_id)
            for c in comments
        ):
            log.info("command_reply_already_posted")
            return
    await gateway.create_issue_comment(request.repo_full_name, request.pr_number, body)


async def expire_acceptances(ctx: Context) -> str:
    """The daily cron job: accepted debt whose last day has passed is open again in the ledger."""
    deps = deps_of(ctx)
    today = datetime.now(UTC).date()
    async with deps.sessions.begin() as session:
        moved = await book.expire(session, today)
    log.info("acceptances_expired", items=moved, today=today.isoformat())
    return Outcome.SUCCESS.value
