"""What one change does to the ledger, booked in one go: debt it adds accrues, debt it removes is paid.

Shared by merged pull requests (`bot.ledger.merges`), pushes to the default branch (`bot.ledger.pushes`) and the
baseline scan (`bot.ledger.baseline`). Debt booked here that a standing `/debtbot accept` covers is accepted at
once, so an accepted rule's new items do not start open.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ReviewRun, RunStatus, utcnow
from bot.db.store import dialect_insert
from bot.ledger import acceptances, book
from checks.runner import ReviewResult


@dataclass(frozen=True)
class Booking:
    """Debt a change adds (to accrue), the fingerprints of the debt it removes (to pay), and the debt it edits
    where it stands (to move: the fingerprint it had -> the debt it is now)."""

    accrue: Sequence[book.Debt] = ()
    pay: frozenset[str] = field(default_factory=frozenset)
    move: Mapping[str, book.Debt] = field(default_factory=dict)


@dataclass(frozen=True)
class Booked:
    accrued: int
    paid: int
    accepted: int
    edited: int = 0


async def book_change(
    session: AsyncSession, repo_id: int, booking: Booking, by: book.Attribution, *, today: date
) -> Booked:
    """Move edited debt, accrue, pay, then accept what standing acceptances cover; each count is of items that
    moved. An edit the ledger cannot follow (it never owed the debt as it was) pays that and accrues this."""
    edited, left = await book.move(session, repo_id, booking.move, by)
    accrued = await book.accrue(session, repo_id, [*booking.accrue, *left.values()], by)
    paid = await book.pay(session, repo_id, booking.pay | left.keys(), by)
    accepted = await acceptances.apply(session, repo_id, today, by)
    return Booked(accrued=accrued, paid=paid, accepted=accepted, edited=edited)


async def claim_run(
    session: AsyncSession,
    *,
    repo_id: int,
    pr_number: int,
    head_sha: str,
    job_id: str,
    trigger_delivery_id: str | None,
    started_at: datetime,
    result: ReviewResult,
) -> int | None:
    """Record a review the ledger books (completed, in the booking's transaction); None when the run of `job_id`
    was recorded before: that change is booked already.

    Inserting the finished run is the claim: a retried or redelivered job that meets it books nothing, and of two
    racing ones the second waits for the first's transaction and then finds the row.
    """
    completed_at = utcnow()
    statement = (
        dialect_insert(session, ReviewRun)
        .values(
            repo_id=repo_id,
            pr_number=pr_number,
            head_sha=head_sha,
            job_id=job_id,
            trigger_delivery_id=trigger_delivery_id,
            status=RunStatus.COMPLETED,
            conclusion=None,  # no check run: nothing was sent to GitHub
            attempts=1,
            created_at=started_at,
            started_at=started_at,
            completed_at=completed_at,
            duration_ms=max(0, round((completed_at - started_at).total_seconds() * 1000)),
            findings_count=len(result.findings),
            paid_count=len(result.paid),
            effort_minutes=result.verdict.new_minutes,
        )
        .on_conflict_do_nothing(index_elements=[ReviewRun.job_id])
        .returning(ReviewRun.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()
