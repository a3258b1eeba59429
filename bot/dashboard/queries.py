"""The dashboard's own reads of the database: which installations and repositories a person may see.

Everything about the ledger itself comes from `bot.ledger.history`; these only find the rows a visible set of
repository ids names, so that a repository outside it is never read at all.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Installation, LedgerEvent, LedgerEventKind, Repository
from bot.db.store import chunks


@dataclass(frozen=True)
class VisibleRepository:
    id: int
    full_name: str
    installation_id: int
    account: str
    default_branch: str | None
    private: bool
    baseline_status: str


async def visible_repositories(session: AsyncSession, repo_ids: Collection[int]) -> list[VisibleRepository]:
    """The repositories among `repo_ids` debtbot knows and still covers, by installation account then name."""
    found: list[VisibleRepository] = []
    for chunk in chunks(sorted(set(repo_ids))):
        rows = await session.execute(
            select(Repository, Installation.account_login)
            .join(Installation, Installation.id == Repository.installation_id)
            .where(Repository.id.in_(chunk), Repository.removed_at.is_(None))
        )
        found.extend(_visible(repo, account) for repo, account in rows.all())
    return sorted(found, key=lambda r: (r.account.lower(), r.full_name.lower()))


async def repository_named(
    session: AsyncSession, full_name: str, repo_ids: Collection[int]
) -> VisibleRepository | None:
    """The repository `owner/name` (any case, as GitHub matches names) if its id is among `repo_ids`."""
    if not repo_ids:
        return None
    rows = await session.execute(
        select(Repository, Installation.account_login)
        .join(Installation, Installation.id == Repository.installation_id)
        .where(func.lower(Repository.full_name) == full_name.lower(), Repository.removed_at.is_(None))
    )
    for repo, account in rows.all():
        if repo.id in repo_ids:
            return _visible(repo, account)
    return None


async def first_movement(session: AsyncSession, repo_id: int) -> datetime | None:
    """When the repository's ledger first moved (None: it never did)."""
    value: datetime | None = await session.scalar(
        select(func.min(LedgerEvent.at)).where(
            LedgerEvent.repo_id == repo_id, LedgerEvent.kind.in_([LedgerEventKind.ACCRUED, LedgerEventKind.PAID])
        )
    )
    return value


def _visible(repo: Repository, account: str) -> VisibleRepository:
    return VisibleRepository(
        id=repo.id,
        full_name=repo.full_name,
        installation_id=repo.installation_id,
        account=account,
        default_branch=repo.default_branch,
        private=repo.private,
        baseline_status=str(repo.baseline_status.value),
    )
