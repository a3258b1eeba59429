"""Where the repositories' baseline scans stand, for the status page (light: the web app imports it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import BaselineStatus, Repository

#: Scans listed one by one at most (running or failed ones); the rest are counted.
MAX_LISTED = 10


@dataclass(frozen=True)
class ScanState:
    full_name: str
    status: BaselineStatus
    files_done: int
    files_total: int
    error: str | None

    def describe(self) -> str:
        if self.status is BaselineStatus.FAILED:
            return f"failed: {self.error or 'see the worker logs'}"
        return f"{self.status.value.replace('_', ' ')}: {self.files_done} of {self.files_total} files"


@dataclass(frozen=True)
class BaselineOverview:
    counts: dict[BaselineStatus, int] = field(default_factory=dict)
    #: Scans running or failed, the running ones first.
    listed: tuple[ScanState, ...] = ()

    def rows(self) -> list[tuple[str, str]]:
        """(name, value) rows of the status page's table."""
        summary = ", ".join(f"{self.counts.get(s, 0)} {s.value.replace('_', ' ')}" for s in BaselineStatus)
        return [("Baseline scans", summary)] + [(f"Baseline of {s.full_name}", s.describe()) for s in self.listed]


async def baseline_overview(session: AsyncSession) -> BaselineOverview:
    """How many of the covered repositories' scans are pending, running, completed or failed; the running and
    failed ones by name."""
    covered = Repository.removed_at.is_(None)
    counted = await session.execute(
        select(Repository.baseline_status, func.count()).where(covered).group_by(Repository.baseline_status)
    )
    running = (BaselineStatus.IN_PROGRESS, BaselineStatus.FAILED)
    rows = await session.execute(
        select(
            Repository.full_name,
            Repository.baseline_status,
            Repository.baseline_files_done,
            Repository.baseline_files_total,
            Repository.baseline_error,
        )
        .where(covered, Repository.baseline_status.in_(running))
        .order_by(Repository.baseline_status != BaselineStatus.IN_PROGRESS, Repository.full_name)
        .limit(MAX_LISTED)
    )
    return BaselineOverview(
        counts={status: int(n) for status, n in counted.all()},
        listed=tuple(ScanState(*row) for row in rows.all()),
    )
