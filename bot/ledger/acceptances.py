"""Debt accepted with `/debtbot accept`: what reviews treat as accepted, and the ledger items it covers.

An obeyed command is a row of `accepted_debts` (target: a rule code or a fingerprint). Until its date passes it
is one more `accept` entry of the repository's config for every review (so the check stops failing on it), and
the ledger keeps the open items it names accepted, those booked later included.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AcceptedDebtRow, FindingRow, ReviewRun
from bot.ledger import book
from checks.config import AcceptedDebt, LoadedConfig
from checks.registry import find


async def active(session: AsyncSession, repo_id: int, today: date) -> list[AcceptedDebtRow]:
    """The repository's acceptances that still hold `today` (their last day not passed), oldest first."""
    rows = await session.scalars(
        select(AcceptedDebtRow)
        .where(
            AcceptedDebtRow.repo_id == repo_id,
            or_(AcceptedDebtRow.until.is_(None), AcceptedDebtRow.until >= today),
        )
        .order_by(AcceptedDebtRow.id)
    )
    return list(rows)


def config_entries(rows: Iterable[AcceptedDebtRow]) -> tuple[AcceptedDebt, ...]:
    """The acceptances as the config's `accept` entries (the engine skips one whose `until` has passed)."""
    entries = []
    for row in rows:
        rule = find(row.target)
        reason = f"{row.reason} (accepted by @{row.accepted_by})"
        if rule is not None:
            entries.append(AcceptedDebt(rule=rule.code, reason=reason, until=row.until))
        else:
            entries.append(AcceptedDebt(fingerprint=row.target, reason=reason, until=row.until))
    return tuple(entries)


def with_accepted(loaded: LoadedConfig, entries: Sequence[AcceptedDebt]) -> LoadedConfig:
    """The config with `entries` after its own `accept` entries."""
    if not entries:
        return loaded
    config = loaded.config.model_copy(update={"accept": (*loaded.config.accept, *entries)})
    return LoadedConfig(config, loaded.errors)


async def hits_of(session: AsyncSession, repo_id: int, fingerprint: str) -> set[str]:
    """The hit fingerprints a fingerprint stands for: a finding's hits (from any review of the repository), or
    itself (a hit's own fingerprint, or a finding of one hit)."""
    rows = await session.scalars(
        select(FindingRow.occurrences)
        .join(ReviewRun, ReviewRun.id == FindingRow.run_id)
        .where(ReviewRun.repo_id == repo_id, FindingRow.fingerprint == fingerprint)
    )
    hits = {fingerprint}
    for occurrences in rows:
        hits.update(str(hit["fingerprint"]) for hit in occurrences or [] if hit.get("fingerprint"))
    return hits


async def accept_items(session: AsyncSession, repo_id: int, row: AcceptedDebtRow, by: book.Attribution) -> int:
    """Accept the open ledger items one acceptance covers; return how many moved."""
    rule = find(row.target)
    if rule is not None:
        return await book.accept(session, repo_id, rule=rule.code, reason=row.reason, until=row.until, by=by)
    hits = await hits_of(session, repo_id, row.target)
    return await book.accept(session, repo_id, fingerprints=hits, reason=row.reason, until=row.until, by=by)


async def apply(session: AsyncSession, repo_id: int, today: date, by: book.Attribution) -> int:
    """Accept the open items the repository's standing acceptances cover (debt booked after the command)."""
    moved = 0
    for row in await active(session, repo_id, today):
        attribution = book.Attribution(at=by.at, source=by.source, pr_number=row.pr_number, actor=row.accepted_by)
        moved += await accept_items(session, repo_id, row, attribution)
    return moved
