"""A merged pull request, booked: the findings of its last review at its final head accrue, its paid ones pay.

When that head was never reviewed (the service was down, the review failed), it is reviewed here, without
publishing anything on the pull request, so no merged debt goes unbooked. The pull request's row turns merged
in the same transaction that books it: a retried or redelivered close finds it merged and books nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import store
from bot.db.models import (
    FindingRow,
    FindingState,
    LedgerSource,
    PullRequest,
    PullRequestState,
    ReviewRun,
    RunStatus,
    utcnow,
)
from bot.github import GitHubGateway
from bot.jobs import PullRequestClosed
from bot.ledger import book
from bot.ledger.accrual import Booking, book_change, claim_run
from bot.logging import get_logger
from bot.pull_review import GHOST, EngineRun, review_pull
from bot.review_inputs import TooLargeToReviewError
from bot.worker_context import Outcome, WorkerDeps
from checks.diff import DiffError

log = get_logger(__name__)

#: Rows the ledger owes from the merge on, and rows whose fingerprints it pays: debt edited where it stands is
#: owed under the fingerprint it has now and leaves the one it had.
_OWED = (FindingState.NEW, FindingState.ACKNOWLEDGED, FindingState.CARRIED)
_SETTLED = (FindingState.PAID, FindingState.CARRIED_FROM)


def merge_review_job_id(request: PullRequestClosed) -> str:
    """The run recorded for a head reviewed only when it merged."""
    return f"merge_review:{request.repo_id}:{request.pr_number}:{request.head_sha}"


def booking_of(rows: Iterable[FindingRow]) -> Booking:
    """A review's stored findings as a booking: debt added (new or acknowledged) accrues, debt paid is paid, debt
    edited where it stands moves from its old fingerprint to its new one."""
    listed = list(rows)
    moves = book.moves_of_rows(r for r in listed if r.state is FindingState.CARRIED)
    moved_to = {d.fingerprint for d in moves.values()}
    added = [d for d in book.debts_of_rows(r for r in listed if r.state in _OWED) if d.fingerprint not in moved_to]
    paid = book.debts_of_rows(r for r in listed if r.state in _SETTLED)
    return Booking(accrue=added, pay=frozenset(d.fingerprint for d in paid) - moves.keys(), move=moves)


async def book_merge(deps: WorkerDeps, gateway: GitHubGateway, request: PullRequestClosed) -> Outcome:
    """Book a merged pull request (raises what the gateway raises, for the job to classify)."""
    started = utcnow()
    if request.default_branch is not None and request.base_ref != request.default_branch:
        # Merged into a release or feature branch: the default branch, whose debt the ledger keeps, is unchanged.
        log.info("merge_not_into_default_branch", base_ref=request.base_ref, default_branch=request.default_branch)
        async with deps.sessions.begin() as session:
            await _claim_merge(session, request)
        return Outcome.IGNORED
    if await _booked(deps, request):
        log.info("merge_already_booked")
        return Outcome.IGNORED
    reviewed = await _last_review(deps, request)
    engine: EngineRun | None = None
    if reviewed is None:
        log.info("merge_head_not_reviewed", head_sha=request.head_sha)
        pull = await gateway.get_pull(request.repo_full_name, request.pr_number)
        try:
            engine = await review_pull(deps, gateway, pull, repo_id=request.repo_id)
        except (TooLargeToReviewError, DiffError) as unreadable:
            log.warning("merge_not_booked", reason=str(unreadable))
            async with deps.sessions.begin() as session:
                await _claim_merge(session, request)
            return Outcome.IGNORED
    by = book.Attribution(
        at=request.merged_at or started,
        source=LedgerSource.PULL_REQUEST,
        pr_number=request.pr_number,
        actor=request.author or GHOST,
        sha=request.merge_commit_sha,
    )
    async with deps.sessions.begin() as session:
        if not await _claim_merge(session, request):
            log.info("merge_already_booked")
            return Outcome.IGNORED
        run_id = reviewed if engine is None else await _record_review(session, request, engine, started)
        rows = await session.scalars(select(FindingRow).where(FindingRow.run_id == run_id))
        booked = await book_change(session, request.repo_id, booking_of(rows), by, today=utcnow().date())
    log.info(
        "merge_booked",
        run_id=run_id,
        reviewed_now=engine is not None,
        accrued=booked.accrued,
        paid=booked.paid,
        edited=booked.edited,
        accepted=booked.accepted,
    )
    return Outcome.SUCCESS


async def record_close(deps: WorkerDeps, request: PullRequestClosed) -> None:
    """A pull request closed without a merge: its debt never reached the branch, so nothing is booked."""
    async with deps.sessions.begin() as session:
        await store.upsert_pull_request(
            session,
            repo_id=request.repo_id,
            number=request.pr_number,
            author=request.author or GHOST,
            base_ref=request.base_ref,
            head_sha=request.head_sha,
            state=PullRequestState.CLOSED,
        )


async def _booked(deps: WorkerDeps, request: PullRequestClosed) -> bool:
    """Whether the merge was booked before (checked again, under the claim, when booking)."""
    async with deps.sessions() as session:
        merged = await session.scalar(
            select(PullRequest.id).where(
                PullRequest.repo_id == request.repo_id,
                PullRequest.number == request.pr_number,
                PullRequest.merged.is_(True),
                PullRequest.merge_commit_sha.is_not_distinct_from(request.merge_commit_sha),
            )
        )
    return merged is not None


async def _last_review(deps: WorkerDeps, request: PullRequestClosed) -> int | None:
    """The last review of the pull request's final head that completed without an error."""
    async with deps.sessions() as session:
        return await session.scalar(
            select(ReviewRun.id)
            .where(
                ReviewRun.repo_id == request.repo_id,
                ReviewRun.pr_number == request.pr_number,
                ReviewRun.head_sha == request.head_sha,
                ReviewRun.status == RunStatus.COMPLETED,
                ReviewRun.error.is_(None),
            )
            .order_by(ReviewRun.completed_at.desc(), ReviewRun.id.desc())
            .limit(1)
        )


async def _record_review(
    session: AsyncSession, request: PullRequestClosed, engine: EngineRun, started: datetime
) -> int:
    job_id = merge_review_job_id(request)
    run_id = await claim_run(
        session,
        repo_id=request.repo_id,
        pr_number=request.pr_number,
        head_sha=request.head_sha,
        job_id=job_id,
        trigger_delivery_id=request.delivery_id,
        started_at=started,
        result=engine.result,
    )
    if run_id is None:  # recorded by a try whose booking was rolled back after: take it up
        run_id = (await session.scalars(select(ReviewRun.id).where(ReviewRun.job_id == job_id))).one()
    await store.save_result(session, run_id, engine.result, engine.reach)
    return run_id


async def _claim_merge(session: AsyncSession, request: PullRequestClosed) -> bool:
    """Record the pull request merged; False when it was recorded merged (as this merge commit) before."""
    merged = {
        "author": request.author or GHOST,
        "base_ref": request.base_ref,
        "head_sha": request.head_sha,
        "state": PullRequestState.CLOSED,
        "merged": True,
        "merged_at": request.merged_at,
        "merge_commit_sha": request.merge_commit_sha,
        "updated_at": utcnow(),
    }
    inserted = await session.execute(
        store.dialect_insert(session, PullRequest)
        .values(repo_id=request.repo_id, number=request.pr_number, created_at=merged["updated_at"], **merged)
        .on_conflict_do_nothing(index_elements=[PullRequest.repo_id, PullRequest.number])
        .returning(PullRequest.id)
    )
    if inserted.scalar_one_or_none() is not None:
        return True
    # A guarded update: of two racing jobs the second waits for the first and then matches no row.
    updated = await session.execute(
        update(PullRequest)
        .where(
            PullRequest.repo_id == request.repo_id,
            PullRequest.number == request.pr_number,
            or_(
                PullRequest.merged.is_(False),
                PullRequest.merge_commit_sha.is_distinct_from(request.merge_commit_sha),
            ),
        )
        .values(merged)
        .returning(PullRequest.id)
        .execution_options(synchronize_session=False)
    )
    return updated.scalar_one_or_none() is not None
