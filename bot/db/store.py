"""Small typed reads and writes for the webhook and the worker.

Every function works inside the caller's session and never commits: the caller owns the transaction
(`async with sessions.begin() as session: ...`). Writes that a race can repeat (a redelivered webhook,
a retried job) are single `INSERT ... ON CONFLICT` statements, which both SQLite and PostgreSQL settle
without a lost update or an integrity error.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from bot.db.models import (
    SUMMARY_FINGERPRINT,
    BaselineStatus,
    CommentKind,
    Delivery,
    DeliveryOutcome,
    FindingRow,
    FindingState,
    Installation,
    PostedComment,
    PullRequest,
    PullRequestState,
    Repository,
    RepositorySelection,
    ReviewRun,
    RunStatus,
    utcnow,
)
from checks.finding import Finding

if TYPE_CHECKING:
    from checks.runner import ReviewResult

#: Rows per multi-row statement: far below either database's limit on bound parameters.
CHUNK = 500
#: A delivery still RECEIVED after this long was dropped mid-way (the process died before it was queued
#: or marked): far beyond the 10 s GitHub gives a webhook request, so no live request is overtaken.
STALE_RECEIVED = timedelta(minutes=2)

_T = TypeVar("_T")
_Insert = postgresql.Insert | sqlite.Insert


@dataclass(frozen=True, slots=True)
class RepositoryInfo:
    """A repository as webhook payloads describe it (`installation_repositories` ones lack the default branch)."""

    id: int
    full_name: str
    private: bool
    default_branch: str | None = None


def dialect_insert(session: AsyncSession, model: type[DeclarativeBase]) -> _Insert:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL spell it the same)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def chunks(items: Sequence[_T], size: int = CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- webhook deliveries -------------------------------------------------------------------------------------------


async def record_delivery(
    session: AsyncSession,
    *,
    delivery_id: str,
    event: str,
    action: str | None,
    installation_id: int | None,
    outcome: DeliveryOutcome = DeliveryOutcome.RECEIVED,
    reason: str | None = None,
    job_id: str | None = None,
    received_at: datetime | None = None,
) -> bool:
    """Record a delivery; False when its id was recorded before (a redelivery, or a concurrent duplicate).

    A delivery recorded as FAILED (it could not be queued), or left RECEIVED for longer than
    STALE_RECEIVED, is taken again: GitHub's "Redeliver" button is how a user retries it. Two racing
    transactions with the same id: the second waits for the first and then gets False, or True if the
    first rolled back.
    """
    received = received_at or utcnow()
    values: dict[str, Any] = {
        "delivery_id": delivery_id,
        "event": event,
        "action": action,
        "installation_id": installation_id,
        "outcome": outcome,
        "reason": reason,
        "job_id": job_id,
        "received_at": received,
    }
    insert = (
        dialect_insert(session, Delivery)
        .values(values)
        .on_conflict_do_nothing(index_elements=[Delivery.delivery_id])
        .returning(Delivery.delivery_id)
    )
    if (await session.execute(insert)).scalar_one_or_none() is not None:
        return True
    abandoned = (Delivery.outcome == DeliveryOutcome.FAILED) | (
        (Delivery.outcome == DeliveryOutcome.RECEIVED) & (Delivery.received_at < received - STALE_RECEIVED)
    )
    retake = (
        update(Delivery)
        .where(Delivery.delivery_id == delivery_id, abandoned)
        .values(values)
        .returning(Delivery.delivery_id)
    )
    return (await session.execute(retake)).scalar_one_or_none() is not None


async def mark_delivery(
    session: AsyncSession,
    delivery_id: str,
    *,
    outcome: DeliveryOutcome,
    reason: str | None = None,
    job_id: str | None = None,
    job_name: str | None = None,
    job_payload: dict[str, Any] | None = None,
) -> bool:
    """Set what became of a delivery (queued with its job id, function and argument, ignored or failed with why);
    False if unknown."""
    changes: dict[str, Any] = {"outcome": outcome, "reason": reason}
    if job_id is not None:
        changes["job_id"] = job_id
    if job_name is not None:
        changes["job_name"], changes["job_payload"] = job_name, job_payload
    statement = (
        update(Delivery).where(Delivery.delivery_id == delivery_id).values(changes).returning(Delivery.delivery_id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


# --- installations and repositories ---------------------------------------------------------------------------------


async def upsert_installation(
    session: AsyncSession,
    *,
    installation_id: int,
    account_login: str,
    account_type: str,
    repository_selection: RepositorySelection,
    suspended: bool = False,
) -> None:
    """Create or refresh an installation (account renamed, selection changed, suspended or unsuspended)."""
    now = utcnow()
    changes = {
        "account_login": account_login,
        "account_type": account_type,
        "repository_selection": repository_selection,
        "suspended": suspended,
    }
    statement = (
        dialect_insert(session, Installation)
        .values(id=installation_id, created_at=now, updated_at=now, **changes)
        .on_conflict_do_update(index_elements=[Installation.id], set_={**changes, "updated_at": now})
    )
    await session.execute(statement)


async def upsert_repositories(
    session: AsyncSession, installation_id: int, repositories: Sequence[RepositoryInfo]
) -> None:
    """Create or refresh repositories of an installation (renamed, transferred, made private, added back).

    A known default branch is kept when the payload does not carry one. Call upsert_installation first:
    repositories reference their installation.
    """
    now = utcnow()
    for chunk in chunks(repositories):
        rows = [
            {
                "id": repository.id,
                "installation_id": installation_id,
                "full_name": repository.full_name,
                "private": repository.private,
                "default_branch": repository.default_branch,
                "baseline_status": BaselineStatus.PENDING,
                "removed_at": None,
                "created_at": now,
                "updated_at": now,
            }
            for repository in chunk
        ]
        insert = dialect_insert(session, Repository).values(rows)
        statement = insert.on_conflict_do_update(
            index_elements=[Repository.id],
            set_={
                "installation_id": insert.excluded.installation_id,
                "full_name": insert.excluded.full_name,
                "private": insert.excluded.private,
                "default_branch": func.coalesce(insert.excluded.default_branch, Repository.default_branch),
                "removed_at": None,
                "updated_at": now,
            },
        )
        await session.execute(statement)


async def set_installation_repositories(
    session: AsyncSession, installation_id: int, repositories: Sequence[RepositoryInfo]
) -> None:
    """Make `repositories` the installation's whole list: upsert them, and mark the others removed."""
    await upsert_repositories(session, installation_id, repositories)
    keep = {repository.id for repository in repositories}
    covered = await session.scalars(
        select(Repository.id).where(Repository.installation_id == installation_id, Repository.removed_at.is_(None))
    )
    await _mark_removed(session, installation_id, sorted(set(covered) - keep))


async def change_installation_repositories(
    session: AsyncSession,
    installation_id: int,
    *,
    added: Sequence[RepositoryInfo] = (),
    removed: Iterable[int] = (),
) -> None:
    """Apply an `installation_repositories` event: repositories added to and removed from the selection."""
    await upsert_repositories(session, installation_id, added)
    await _mark_removed(session, installation_id, sorted(set(removed)))


async def _mark_removed(session: AsyncSession, installation_id: int, repo_ids: Sequence[int]) -> None:
    now = utcnow()
    for chunk in chunks(repo_ids):
        await session.execute(
            update(Repository)
            # Only while this installation covers it: a repository transferred away is not the old one's to drop.
            .where(Repository.id.in_(chunk), Repository.installation_id == installation_id)
            .where(Repository.removed_at.is_(None))
            .values(removed_at=now, updated_at=now)
        )


async def set_baseline_status(session: AsyncSession, repo_id: int, status: BaselineStatus) -> None:
    await session.execute(
        update(Repository).where(Repository.id == repo_id).values(baseline_status=status, updated_at=utcnow())
    )


# --- pull requests and review runs ----------------------------------------------------------------------------------


async def upsert_pull_request(
    session: AsyncSession,
    *,
    repo_id: int,
    number: int,
    author: str,
    base_ref: str,
    head_sha: str,
    state: PullRequestState,
    merged: bool = False,
    merged_at: datetime | None = None,
    merge_commit_sha: str | None = None,
) -> None:
    """Create or refresh a pull request from an event's `pull_request` object."""
    now = utcnow()
    changes: dict[str, Any] = {
        "author": author,
        "base_ref": base_ref,
        "head_sha": head_sha,
        "state": state,
        "merged": merged,
        "merged_at": merged_at,
        "merge_commit_sha": merge_commit_sha,
    }
    insert = dialect_insert(session, PullRequest).values(
        repo_id=repo_id, number=number, created_at=now, updated_at=now, **changes
    )
    # A merge is final: an event that arrives late (an earlier close redelivered, a review that started before
    # the merge) never records the pull request unmerged, which would let its merge be booked a second time.
    kept_merged = {
        "state": case((PullRequest.merged, PullRequestState.CLOSED), else_=insert.excluded.state),
        "merged": or_(PullRequest.merged, insert.excluded.merged),
        "merged_at": case((PullRequest.merged, PullRequest.merged_at), else_=insert.excluded.merged_at),
        "merge_commit_sha": case(
            (PullRequest.merged, PullRequest.merge_commit_sha), else_=insert.excluded.merge_commit_sha
        ),
    }
    statement = insert.on_conflict_do_update(
        index_elements=[PullRequest.repo_id, PullRequest.number],
        set_={**changes, **kept_merged, "updated_at": now},
    )
    await session.execute(statement)


async def open_pull_requests_at(session: AsyncSession, repo_id: int, head_sha: str) -> list[int]:
    """The numbers of the repository's open pull requests last recorded at `head_sha`, in order."""
    rows = await session.scalars(
        select(PullRequest.number)
        .where(
            PullRequest.repo_id == repo_id,
            PullRequest.head_sha == head_sha,
            PullRequest.state == PullRequestState.OPEN,
        )
        .order_by(PullRequest.number)
    )
    return list(rows)


async def start_review_run(
    session: AsyncSession,
    *,
    repo_id: int,
    pr_number: int,
    head_sha: str,
    job_id: str | None = None,
    trigger_delivery_id: str | None = None,
    check_run_id: int | None = None,
    started_at: datetime | None = None,
) -> int:
    """Open a run in progress and return its id.

    With a `job_id`, running the same job again (an arq retry, a worker restarted mid-review) takes
    up its earlier run: restarted, its outcome cleared, `attempts` counted up.
    """
    started = started_at or utcnow()
    fresh: dict[str, Any] = {
        "status": RunStatus.IN_PROGRESS,
        "started_at": started,
        "completed_at": None,
        "duration_ms": None,
        "conclusion": None,
        "error": None,
        "findings_count": 0,
        "paid_count": 0,
        "effort_minutes": 0,
    }
    insert = dialect_insert(session, ReviewRun).values(
        repo_id=repo_id,
        pr_number=pr_number,
        head_sha=head_sha,
        job_id=job_id,
        trigger_delivery_id=trigger_delivery_id,
        check_run_id=check_run_id,
        attempts=1,
        created_at=started,
        **fresh,
    )
    statement = insert.on_conflict_do_update(
        index_elements=[ReviewRun.job_id],
        set_={
            **fresh,
            "attempts": ReviewRun.attempts + 1,
            "trigger_delivery_id": func.coalesce(insert.excluded.trigger_delivery_id, ReviewRun.trigger_delivery_id),
            "check_run_id": func.coalesce(insert.excluded.check_run_id, ReviewRun.check_run_id),
        },
    ).returning(ReviewRun.id)
    return (await session.execute(statement)).scalar_one()


async def set_check_run(session: AsyncSession, run_id: int, check_run_id: int) -> None:
    """Remember the GitHub check run a review reports to (created after the run started): nothing sent to it yet."""
    await session.execute(
        update(ReviewRun).where(ReviewRun.id == run_id).values(check_run_id=check_run_id, annotation_batches_sent=0)
    )


@dataclass(frozen=True, slots=True)
class UnfinishedRun:
    """A run an earlier try of a job left in progress (a retry, a worker stopped mid-review)."""

    id: int
    #: The check run it opened, None when it stopped before GitHub answered.
    check_run_id: int | None
    #: Annotation batches that check run was sent already.
    annotation_batches_sent: int


async def unfinished_run(session: AsyncSession, job_id: str) -> UnfinishedRun | None:
    """The run of job `job_id` if it is still in progress (a finished one is not taken up again)."""
    statement = select(ReviewRun.id, ReviewRun.check_run_id, ReviewRun.annotation_batches_sent).where(
        ReviewRun.job_id == job_id, ReviewRun.status == RunStatus.IN_PROGRESS
    )
    row = (await session.execute(statement)).one_or_none()
    if row is None:
        return None
    return UnfinishedRun(id=row.id, check_run_id=row.check_run_id, annotation_batches_sent=row.annotation_batches_sent)


async def record_annotation_batches(session: AsyncSession, run_id: int, sent: int) -> None:
    """Count `sent` annotation batches as delivered to the run's check run (each request appends its batch)."""
    await session.execute(update(ReviewRun).where(ReviewRun.id == run_id).values(annotation_batches_sent=sent))


async def finish_review_run(
    session: AsyncSession,
    run_id: int,
    *,
    conclusion: str | None,
    findings_count: int = 0,
    paid_count: int = 0,
    effort_minutes: int = 0,
    error: str | None = None,
    completed_at: datetime | None = None,
) -> None:
    """Complete a run with the conclusion sent to GitHub (None when it failed before one), its counts or its error."""
    started_at = (await session.execute(select(ReviewRun.started_at).where(ReviewRun.id == run_id))).one_or_none()
    if started_at is None:
        raise LookupError(f"no review run {run_id}")
    completed = completed_at or utcnow()
    began = started_at[0]
    duration_ms = None if began is None else max(0, round((completed - began).total_seconds() * 1000))
    await session.execute(
        update(ReviewRun)
        .where(ReviewRun.id == run_id)
        .values(
            status=RunStatus.COMPLETED,
            conclusion=conclusion,
            completed_at=completed,
            duration_ms=duration_ms,
            error=error,
            findings_count=findings_count,
            paid_count=paid_count,
            effort_minutes=effort_minutes,
        )
    )


async def save_findings(
    session: AsyncSession,
    run_id: int,
    findings: Iterable[Finding],
    *,
    paid: Iterable[Finding] = (),
    carried: Iterable[Finding] = (),
    carried_from: Iterable[Finding] = (),
    moves: Iterable[tuple[str, str]] = (),
    reach: Mapping[str, int] | None = None,
) -> int:
    """Store a run's findings (debt added, new or acknowledged), the debt it paid and the debt it edited where it
    stands (`ReviewResult.carried`, after and before; each edited hit records the fingerprint it had, from
    `ReviewResult.moves`); return how many rows.

    Replaces what the run held before, so a retried job does not store its findings twice. `reach` (files
    depending on each path, `bot.ledger.reach`) is kept with each hit, for the ledger to book when it merges.
    """
    await session.execute(delete(FindingRow).where(FindingRow.run_id == run_id))
    reach = reach or {}
    rows = [_finding_row(run_id, f, _added_state(f), f.acknowledged, reach) for f in findings]
    rows += [_finding_row(run_id, f, FindingState.PAID, None, reach) for f in paid]
    was = {after: before for before, after in moves}
    rows += [_finding_row(run_id, f, FindingState.CARRIED, None, reach, was=was) for f in carried]
    rows += [_finding_row(run_id, f, FindingState.CARRIED_FROM, None, reach) for f in carried_from]
    for chunk in chunks(rows):
        await session.execute(dialect_insert(session, FindingRow).values(list(chunk)))
    return len(rows)


async def save_result(session: AsyncSession, run_id: int, result: ReviewResult, reach: Mapping[str, int]) -> int:
    """Store what a review found, paid and carried over (see `save_findings`); return how many rows."""
    return await save_findings(
        session,
        run_id,
        result.findings,
        paid=result.paid,
        carried=result.carried,
        carried_from=result.carried_from,
        moves=result.moves,
        reach=reach,
    )


def _added_state(finding: Finding) -> FindingState:
    return FindingState.NEW if finding.acknowledged is None else FindingState.ACKNOWLEDGED


def _finding_row(
    run_id: int,
    finding: Finding,
    state: FindingState,
    reason: str | None,
    reach: Mapping[str, int],
    *,
    was: Mapping[str, str] | None = None,
) -> Mapping[str, Any]:
    hit_reach = reach.get(finding.path, 0)
    was = was or {}
    return {
        "run_id": run_id,
        "fingerprint": finding.fingerprint,
        "rule": finding.rule,
        "slug": finding.slug,
        "category": finding.category,
        "severity": finding.severity,
        "path": finding.path,
        "line": finding.line,
        "end_line": finding.end_line,
        "message": finding.message,
        "effort_minutes": finding.effort_minutes,
        "state": state,
        "acknowledged_reason": reason,
        "occurrences": [
            {
                "fingerprint": o.fingerprint,
                "line": o.line,
                "end_line": o.end_line,
                "message": o.message,
                "reach": hit_reach,
                **({"was": was[o.fingerprint]} if o.fingerprint in was else {}),
            }
            for o in finding.occurrences
        ],
    }


# --- comments posted on pull requests -------------------------------------------------------------------------------


def _on_pull_request(repo_id: int, pr_number: int, kind: CommentKind) -> tuple[ColumnElement[bool], ...]:
    return (PostedComment.repo_id == repo_id, PostedComment.pr_number == pr_number, PostedComment.kind == kind)


async def posted_fingerprints(session: AsyncSession, repo_id: int, pr_number: int) -> set[str]:
    """Fingerprints already commented inline on the pull request: those are not posted again."""
    rows = await session.scalars(
        select(PostedComment.fingerprint).where(*_on_pull_request(repo_id, pr_number, CommentKind.INLINE))
    )
    return set(rows)


async def record_posted_comment(
    session: AsyncSession,
    *,
    repo_id: int,
    pr_number: int,
    comment_id: int,
    kind: CommentKind,
    fingerprint: str = SUMMARY_FINGERPRINT,
) -> None:
    """Remember a comment the App posted (inline: under its finding's fingerprint; sticky: the summary).

    Recording again replaces the comment id: a sticky summary deleted by a user is posted anew.
    """
    if kind is CommentKind.INLINE and fingerprint == SUMMARY_FINGERPRINT:
        raise ValueError("an inline comment is recorded under its finding's fingerprint")
    now = utcnow()
    statement = (
        dialect_insert(session, PostedComment)
        .values(
            repo_id=repo_id,
            pr_number=pr_number,
            fingerprint=fingerprint,
            kind=kind,
            github_comment_id=comment_id,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_update(
            index_elements=[
                PostedComment.repo_id,
                PostedComment.pr_number,
                PostedComment.fingerprint,
                PostedComment.kind,
            ],
            set_={"github_comment_id": comment_id, "updated_at": now},
        )
    )
    await session.execute(statement)


async def sticky_comment_id(session: AsyncSession, repo_id: int, pr_number: int) -> int | None:
    """The GitHub id of the pull request's sticky summary comment, if one was posted."""
    statement = select(PostedComment.github_comment_id).where(
        *_on_pull_request(repo_id, pr_number, CommentKind.STICKY),
        PostedComment.fingerprint == SUMMARY_FINGERPRINT,
    )
    return (await session.execute(statement)).scalar_one_or_none()
