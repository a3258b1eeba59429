"""A push to the default branch, reviewed and booked: what it adds accrues, what it removes is paid.

GitHub compares `before...after` from their merge base, so a force-push that dropped commits is seen from both
sides: what the new commits change (`before...after`) and what the dropped ones had changed (`after...before`).
The dropped commits' debt that the new ones do not bring back is paid; debt they had paid and the new ones do
not pay again is owed again. Fingerprints make re-booking harmless: a rebase that brings the same commits back
accrues nothing twice.

The push of a pull request's merge is the pull request's to book (`bot.ledger.merges`): GitHub lists the merged
pull request for such a commit, and the push then books nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from bot.db import store
from bot.db.models import LedgerSource, ReviewRun, RunStatus, utcnow
from bot.github import GitHubGateway
from bot.github.protocol import Comparison
from bot.jobs import PushReview
from bot.ledger import book
from bot.ledger.accrual import Booking, book_change, claim_run
from bot.logging import get_logger
from bot.pull_review import EngineRun, run_engine
from bot.review_inputs import inputs_at
from bot.worker_context import Outcome, WorkerDeps
from checks.diff import DiffError, parse_github_files
from checks.finding import Finding
from checks.runner import ReviewResult

log = get_logger(__name__)

#: Runs recorded for pushes name no pull request.
NO_PULL_REQUEST = 0


def push_run_job_id(request: PushReview) -> str:
    """The run a push's booking records: one per delivery, so a redelivered push books nothing twice."""
    return f"push:{request.repo_id}:{request.delivery_id}"


@dataclass(frozen=True)
class PushReviews:
    """The review of what the pushed commits change, and of what the commits a force-push dropped had changed."""

    kept: EngineRun
    dropped: EngineRun | None = None


def booking_of(reviews: PushReviews) -> Booking:
    """What the push does to the ledger (see the module's docstring)."""
    kept, dropped = reviews.kept, reviews.dropped
    now = {d.fingerprint: d for d in book.debts_of(kept.result.carried, kept.reach)}
    return push_booking(
        added=book.debts_of(kept.result.findings, kept.reach),
        paid=book.debts_of(kept.result.paid),
        edited={was: now[after] for was, after in kept.result.moves if after in now},
        dropped_added=book.debts_of(_owed(dropped.result)) if dropped else (),
        dropped_paid=book.debts_of(_settled(dropped.result), dropped.reach) if dropped else (),
    )


# The dropped commits' edits: the debt they left is owed again, the debt they made is paid (see `push_booking`).
def _owed(result: ReviewResult) -> tuple[Finding, ...]:
    return (*result.findings, *result.carried)


def _settled(result: ReviewResult) -> tuple[Finding, ...]:
    return (*result.paid, *result.carried_from)


def push_booking(
    *,
    added: Sequence[book.Debt],
    paid: Sequence[book.Debt],
    edited: Mapping[str, book.Debt] | None = None,
    dropped_added: Sequence[book.Debt] = (),
    dropped_paid: Sequence[book.Debt] = (),
) -> Booking:
    """The booking of a push from its merge base: the debt the pushed commits add, pay and edit where it stands
    (the fingerprint it had -> the debt it is now), and the debt the commits it dropped had added and paid (none
    for a push that dropped nothing)."""
    edited = edited or {}
    kept_added = {d.fingerprint for d in added} | {d.fingerprint for d in edited.values()}
    pay = {d.fingerprint for d in paid} | ({d.fingerprint for d in dropped_added} - kept_added)
    # Debt the dropped commits had paid is owed again, unless the pushed commits pay it (or edit it) too.
    back = [d for d in dropped_paid if d.fingerprint not in pay and d.fingerprint not in edited]
    return Booking(accrue=[*added, *back], pay=frozenset(pay - edited.keys()), move=edited)


async def book_push(deps: WorkerDeps, gateway: GitHubGateway, request: PushReview) -> Outcome:
    """Review and book a push (raises what the gateway raises, for the job to classify)."""
    repo = request.repo_full_name
    # Only a merge into this branch is booked as a pull request (`bot.ledger.merges`); one into another branch
    # (then fast-forwarded here) is this push's to book.
    branch = request.ref.removeprefix("refs/heads/")
    pulls = await gateway.list_pulls_for_commit(repo, request.after)
    merged = sorted(p.number for p in pulls if p.merged and p.base_ref == branch)
    if merged:
        log.info("push_is_a_merge", pulls=merged)
        return Outcome.IGNORED
    job_id = push_run_job_id(request)
    if await _booked(deps, job_id):
        log.info("push_already_booked")
        return Outcome.IGNORED
    started = utcnow()
    try:
        reviews = await _review(deps, gateway, request)
    except DiffError as unreadable:
        log.warning("push_not_booked", reason=f"the comparison GitHub sent could not be read: {unreadable}")
        return Outcome.IGNORED
    by = book.Attribution(
        at=request.pushed_at or started,
        source=LedgerSource.PUSH,
        actor=request.pusher,
        sha=request.after,
    )
    booking = booking_of(reviews)
    kept = reviews.kept
    async with deps.sessions.begin() as session:
        run_id = await claim_run(
            session,
            repo_id=request.repo_id,
            pr_number=NO_PULL_REQUEST,
            head_sha=request.after,
            job_id=job_id,
            trigger_delivery_id=request.delivery_id,
            started_at=started,
            result=kept.result,
        )
        if run_id is None:
            log.info("push_already_booked")
            return Outcome.IGNORED
        await store.save_result(session, run_id, kept.result, kept.reach)
        booked = await book_change(session, request.repo_id, booking, by, today=datetime.now(UTC).date())
    log.info(
        "push_booked",
        run_id=run_id,
        forced=request.forced,
        dropped_reviewed=reviews.dropped is not None,
        accrued=booked.accrued,
        paid=booked.paid,
        edited=booked.edited,
        accepted=booked.accepted,
    )
    return Outcome.SUCCESS


async def _booked(deps: WorkerDeps, job_id: str) -> bool:
    async with deps.sessions() as session:
        found = await session.scalar(
            select(ReviewRun.id).where(ReviewRun.job_id == job_id, ReviewRun.status == RunStatus.COMPLETED)
        )
    return found is not None


async def _review(deps: WorkerDeps, gateway: GitHubGateway, request: PushReview) -> PushReviews:
    repo = request.repo_full_name
    forward = await gateway.compare(repo, request.before, request.after)
    log.info("push_compared", status=forward.status, ahead_by=forward.ahead_by, behind_by=forward.behind_by)
    kept = await _review_comparison(deps, gateway, request, forward, head=request.after)
    if forward.behind_by == 0:
        return PushReviews(kept)
    # Commits of `before` that `after` does not hold: a force-push dropped them.
    backward = await gateway.compare(repo, request.after, request.before)
    dropped = await _review_comparison(deps, gateway, request, backward, head=request.before)
    return PushReviews(kept, dropped)


async def _review_comparison(
    deps: WorkerDeps, gateway: GitHubGateway, request: PushReview, comparison: Comparison, *, head: str
) -> EngineRun:
    if comparison.truncated:
        log.warning("push_comparison_truncated", files=len(comparison.files), head_sha=head)
    diff = await asyncio.to_thread(parse_github_files, comparison.files)
    inputs = await inputs_at(
        gateway,
        request.repo_full_name,
        diff,
        head=head,
        base=comparison.merge_base_sha,
        # The default branch's own config, as pushed: the push is the repository's, not a fork's.
        config_ref=request.after,
        today=datetime.now(UTC).date(),
        budget=deps.options.text_budget,
    )
    return await run_engine(deps, inputs, repo_id=request.repo_id)
