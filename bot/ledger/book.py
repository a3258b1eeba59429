"""Booking debt in a repository's ledger: accrue, pay, accept, and let acceptances expire.

Every change is a guarded UPDATE or an INSERT that does nothing on conflict, and an event is written only
for a row that really moved. So booking is idempotent (a retried job, a redelivered event, a force-push that
brings the same commits back, a revert of a revert) and safe when two workers book the same item at once:
the totals never count a piece of debt twice.

One ledger item is one hit of one rule (an occurrence fingerprint): paying one of a file's three TODOs pays
that one. Findings stored before hits were recorded book as one item under the finding's fingerprint.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import FindingRow, LedgerEvent, LedgerEventKind, LedgerItem, LedgerSource, LedgerState, utcnow
from bot.db.store import chunks, dialect_insert
from checks.finding import Category, Finding, Severity

#: Items per statement: each inserted item binds about 20 parameters (SQLite allows 32,766).
CHUNK = 500
#: The states of debt still owed: accepted debt stays in the totals.
OWED_STATES = (LedgerState.OPEN, LedgerState.ACCEPTED)


@dataclass(frozen=True, slots=True)
class Debt:
    """One hit of debt, as the ledger books it."""

    fingerprint: str
    rule: str
    slug: str
    category: Category
    severity: Severity
    path: str
    line: int | None
    message: str
    effort_minutes: int
    #: How many files depend on the path (0: unknown); see `bot.ledger.priority`.
    reach: int = 0


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who moved debt, when, and through what: the PR and its author, a pusher, or the baseline scan."""

    at: datetime
    source: LedgerSource
    pr_number: int | None = None
    actor: str | None = None
    sha: str | None = None


def debts_of(findings: Iterable[Finding], reach: Mapping[str, int] | None = None) -> list[Debt]:
    """The engine's findings, one `Debt` per hit; each hit carries its share of the finding's effort.

    `reach` gives each path's reach (`bot.ledger.reach`); paths it does not name have 0 (unknown).
    """
    reach = reach or {}
    debts: list[Debt] = []
    for f in findings:
        hits = f.occurrences or ()
        paths_reach = reach.get(f.path, 0)
        if not hits:
            debts.append(_debt(f.fingerprint, f, f.line, f.message, f.effort_minutes, paths_reach))
            continue
        share = _share(f.effort_minutes, len(hits))
        debts.extend(_debt(o.fingerprint, f, o.line, o.message, share, paths_reach) for o in hits)
    return debts


def debts_of_rows(rows: Iterable[FindingRow]) -> list[Debt]:
    """Stored findings (`bot.db.models.FindingRow`), one `Debt` per recorded hit (with its reach, if recorded)."""
    debts: list[Debt] = []
    for row in rows:
        hits = row.occurrences or []
        if not hits:
            debts.append(_debt(row.fingerprint, row, row.line, row.message, row.effort_minutes))
            continue
        share = _share(row.effort_minutes, len(hits))
        for hit in hits:
            line, reach = hit.get("line"), hit.get("reach")
            debts.append(
                _debt(
                    str(hit["fingerprint"]),
                    row,
                    line if isinstance(line, int) else None,
                    str(hit.get("message") or row.message),
                    share,
                    reach if isinstance(reach, int) else 0,
                )
            )
    return debts


def moves_of_rows(rows: Iterable[FindingRow]) -> dict[str, Debt]:
    """Debt edited where it stands, from stored carried rows: the fingerprint each hit had -> the debt it is now.
    Rows stored before hits recorded what they had give none (their debt is paid and owed again instead)."""
    rows = list(rows)
    now = {d.fingerprint: d for d in debts_of_rows(rows)}
    return {
        str(hit["was"]): now[str(hit["fingerprint"])]
        for row in rows
        for hit in row.occurrences or []
        if hit.get("was") and str(hit["fingerprint"]) in now
    }


def _share(effort: int, hits: int) -> int:
    # A finding's effort is its rule's effort times its hits; at least a minute each.
    return max(1, effort // hits)


def _debt(  # noqa: PLR0917 - one hit's fields, in the order a hit gives them
    fingerprint: str, source: Finding | FindingRow, line: int | None, message: str, effort: int, reach: int = 0
) -> Debt:
    return Debt(
        fingerprint=fingerprint,
        rule=source.rule,
        slug=source.slug,
        category=Category(source.category),
        severity=Severity(source.severity),
        path=source.path,
        line=line,
        message=message,
        effort_minutes=effort,
        reach=reach,
    )


def _unique(debts: Iterable[Debt]) -> list[Debt]:
    by_fingerprint: dict[str, Debt] = {}
    for debt in debts:
        by_fingerprint.setdefault(debt.fingerprint, debt)
    return list(by_fingerprint.values())


async def accrue(session: AsyncSession, repo_id: int, debts: Iterable[Debt], by: Attribution) -> int:
    """Book debt as owed; return how many items moved (new, or paid before and brought back).

    Debt already owed (open or accepted) is left as it is, with its first attribution.
    """
    pending = _unique(debts)
    moved = 0
    for chunk in chunks(pending, CHUNK):
        inserted = await _insert_new(session, repo_id, chunk, by)
        reopened = await _reopen_paid(session, repo_id, [d for d in chunk if d.fingerprint not in inserted], by)
        rows = {**inserted, **reopened}
        await _record(
            session,
            repo_id,
            LedgerEventKind.ACCRUED,
            by,
            [(item_id, d.category, d.effort_minutes) for d in chunk if (item_id := rows.get(d.fingerprint))],
        )
        moved += len(rows)
    return moved


async def _insert_new(session: AsyncSession, repo_id: int, debts: Sequence[Debt], by: Attribution) -> dict[str, int]:
    if not debts:
        return {}
    now = utcnow()
    values = [
        {
            "repo_id": repo_id,
            "fingerprint": d.fingerprint,
            "rule": d.rule,
            "slug": d.slug,
            "category": d.category,
            "severity": d.severity,
            "path": d.path,
            "line": d.line,
            "message": d.message,
            "effort_minutes": d.effort_minutes,
            "reach": d.reach,
            "state": LedgerState.OPEN,
            "source": by.source,
            "accrued_at": by.at,
            "accrued_pr": by.pr_number,
            "accrued_by": by.actor,
            "accrued_sha": by.sha,
            "created_at": now,
            "updated_at": now,
        }
        for d in debts
    ]
    statement = (
        dialect_insert(session, LedgerItem)
        .values(values)
        .on_conflict_do_nothing(index_elements=[LedgerItem.repo_id, LedgerItem.fingerprint])
        .returning(LedgerItem.fingerprint, LedgerItem.id)
    )
    return dict((await session.execute(statement)).all())


async def _reopen_paid(session: AsyncSession, repo_id: int, debts: Sequence[Debt], by: Attribution) -> dict[str, int]:
    if not debts:
        return {}
    statement = (
        update(LedgerItem)
        .where(
            LedgerItem.repo_id == repo_id,
            LedgerItem.fingerprint.in_([d.fingerprint for d in debts]),
            LedgerItem.state == LedgerState.PAID,
        )
        .values(
            state=LedgerState.OPEN,
            source=by.source,
            accrued_at=by.at,
            accrued_pr=by.pr_number,
            accrued_by=by.actor,
            accrued_sha=by.sha,
            paid_at=None,
            paid_pr=None,
            paid_by=None,
            paid_sha=None,
            updated_at=utcnow(),
        )
        .returning(LedgerItem.fingerprint, LedgerItem.id)
        .execution_options(synchronize_session=False)
    )
    return dict((await session.execute(statement)).all())


async def move(
    session: AsyncSession, repo_id: int, moves: Mapping[str, Debt], by: Attribution
) -> tuple[int, dict[str, Debt]]:
    """Follow debt edited where it stands to its new fingerprint (`moves`: the fingerprint it had -> the debt it is
    now), keeping when and by whom it was accrued; return how many items moved, and the moves that found no owed
    item to move or whose new fingerprint is an item already (those are paid and accrued instead).
    """
    if not moves:
        return 0, {}
    taken = set(
        await session.scalars(
            select(LedgerItem.fingerprint).where(
                LedgerItem.repo_id == repo_id, LedgerItem.fingerprint.in_([d.fingerprint for d in moves.values()])
            )
        )
    )
    moved: list[tuple[int, Category, int]] = []
    left: dict[str, Debt] = {}
    for was, debt in sorted(moves.items()):
        if debt.fingerprint in taken:
            left[was] = debt
            continue
        statement = (
            update(LedgerItem)
            .where(
                LedgerItem.repo_id == repo_id,
                LedgerItem.fingerprint == was,
                LedgerItem.state.in_(OWED_STATES),
            )
            .values(
                fingerprint=debt.fingerprint,
                severity=debt.severity,
                path=debt.path,
                line=debt.line,
                message=debt.message,
                effort_minutes=debt.effort_minutes,
                reach=debt.reach,
                updated_at=utcnow(),
            )
            .returning(LedgerItem.id, LedgerItem.category, LedgerItem.effort_minutes)
            .execution_options(synchronize_session=False)
        )
        row = (await session.execute(statement)).first()
        if row is None:
            left[was] = debt
        else:
            moved.append((row[0], row[1], row[2]))
            taken.add(debt.fingerprint)
    await _record(session, repo_id, LedgerEventKind.EDITED, by, moved)
    return len(moved), left


async def pay(session: AsyncSession, repo_id: int, fingerprints: Iterable[str], by: Attribution) -> int:
    """Mark owed debt (open or accepted) with these fingerprints paid; return how many items moved."""
    moved = 0
    for chunk in chunks(sorted(set(fingerprints))):
        statement = (
            update(LedgerItem)
            .where(
                LedgerItem.repo_id == repo_id,
                LedgerItem.fingerprint.in_(chunk),
                LedgerItem.state.in_(OWED_STATES),
            )
            .values(
                state=LedgerState.PAID,
                paid_at=by.at,
                paid_pr=by.pr_number,
                paid_by=by.actor,
                paid_sha=by.sha,
                accepted_reason=None,
                accepted_until=None,
                accepted_by=None,
                updated_at=utcnow(),
            )
            .returning(LedgerItem.id, LedgerItem.category, LedgerItem.effort_minutes)
            .execution_options(synchronize_session=False)
        )
        rows = list((await session.execute(statement)).all())
        await _record(session, repo_id, LedgerEventKind.PAID, by, rows)
        moved += len(rows)
    return moved


async def accept(
    session: AsyncSession,
    repo_id: int,
    *,
    rule: str | None = None,
    fingerprints: Collection[str] = (),
    reason: str,
    until: date | None,
    by: Attribution,
) -> int:
    """Accept the open debt of a rule (code or slug) or with these fingerprints; return how many items moved.

    Accepted debt stays owed (it counts in the totals) but no longer fails a check; it is open again once
    `until` has passed (`expire`).
    """
    if rule is None and not fingerprints:
        return 0
    chosen = []
    if rule is not None:
        chosen.append(or_(func.upper(LedgerItem.rule) == rule.upper(), func.lower(LedgerItem.slug) == rule.lower()))
    if fingerprints:
        chosen.append(LedgerItem.fingerprint.in_(list(fingerprints)))
    statement = (
        update(LedgerItem)
        .where(LedgerItem.repo_id == repo_id, LedgerItem.state == LedgerState.OPEN, or_(*chosen))
        .values(
            state=LedgerState.ACCEPTED,
            accepted_reason=reason,
            accepted_until=until,
            accepted_by=by.actor,
            updated_at=utcnow(),
        )
        .returning(LedgerItem.id, LedgerItem.category, LedgerItem.effort_minutes)
        .execution_options(synchronize_session=False)
    )
    rows = list((await session.execute(statement)).all())
    await _record(session, repo_id, LedgerEventKind.ACCEPTED, by, rows)
    return len(rows)


async def expire(session: AsyncSession, today: date, *, repo_id: int | None = None) -> int:
    """Open again the accepted debt whose last day is before `today`; return how many items moved."""
    conditions = [
        LedgerItem.state == LedgerState.ACCEPTED,
        LedgerItem.accepted_until.is_not(None),
        LedgerItem.accepted_until < today,
    ]
    if repo_id is not None:
        conditions.append(LedgerItem.repo_id == repo_id)
    statement = (
        update(LedgerItem)
        .where(and_(*conditions))
        .values(
            state=LedgerState.OPEN, accepted_reason=None, accepted_until=None, accepted_by=None, updated_at=utcnow()
        )
        .returning(LedgerItem.repo_id, LedgerItem.source, LedgerItem.id, LedgerItem.category, LedgerItem.effort_minutes)
        .execution_options(synchronize_session=False)
    )
    rows = list((await session.execute(statement)).all())
    at = utcnow()
    groups: dict[tuple[int, LedgerSource], list[tuple[int, Category, int]]] = {}
    for repo, source, item_id, category, effort in rows:
        groups.setdefault((repo, source), []).append((item_id, category, effort))
    for (repo, source), moved in groups.items():
        await _record(session, repo, LedgerEventKind.EXPIRED, Attribution(at=at, source=source), moved)
    return len(rows)


async def _record(
    session: AsyncSession,
    repo_id: int,
    kind: LedgerEventKind,
    by: Attribution,
    moved: Sequence[tuple[int, Category, int]],
) -> None:
    if not moved:
        return
    values: list[dict[str, Any]] = [
        {
            "repo_id": repo_id,
            "item_id": item_id,
            "kind": kind,
            "source": by.source,
            "category": category,
            "effort_minutes": effort,
            "at": by.at,
            "pr_number": by.pr_number,
            "actor": by.actor,
            "sha": by.sha,
        }
        for item_id, category, effort in moved
    ]
    for chunk in chunks(values):
        await session.execute(insert(LedgerEvent).values(list(chunk)))


async def owed_fingerprints(session: AsyncSession, repo_id: int) -> set[str]:
    """Fingerprints of the debt the repository owes now (open or accepted)."""
    rows = await session.scalars(
        select(LedgerItem.fingerprint).where(LedgerItem.repo_id == repo_id, LedgerItem.state.in_(OWED_STATES))
    )
    return set(rows)
