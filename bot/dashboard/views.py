"""What the pages and the API show, computed once for both: installations with their repositories' totals, one
repository's trend, its open items in the order asked for, and its pull requests' history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard.errors import NotFoundError
from bot.dashboard.formatting import CATEGORIES
from bot.dashboard.queries import VisibleRepository, first_movement, repository_named, visible_repositories
from bot.dashboard.sessions import SignedIn
from bot.ledger.history import (
    IsoWeek,
    Minutes,
    PullRequestDebt,
    RankedItem,
    WeekFigures,
    pull_request_debt,
    ranked_open_items,
    repository_totals,
    total_of,
    week_figures,
)
from bot.publish.links import Links

#: The chart spans the weeks since the ledger first moved, within these bounds.
MIN_WEEKS, MAX_WEEKS = 8, 52
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
HISTORY_LIMIT = 100
#: Each sort key's first direction: what a person sorting by it wants on top.
SORTS = {"priority": True, "effort": True, "age": True, "category": False}
DEFAULT_SORT = "priority"


@dataclass(frozen=True)
class RepositoryTotals:
    repo: VisibleRepository
    owed: Minutes

    @property
    def total(self) -> int:
        return total_of(self.owed)


@dataclass(frozen=True)
class InstallationView:
    id: int
    account: str
    repositories: list[RepositoryTotals]


async def overview(session: AsyncSession, viewer: SignedIn) -> list[InstallationView]:
    """The person's installations that debtbot knows, each with the repositories they reach and their totals."""
    repos = [r for r in await visible_repositories(session, viewer.repository_ids) if can_see(viewer, r)]
    owed = await repository_totals(session, [r.id for r in repos])
    by_installation: dict[int, InstallationView] = {}
    for repo in repos:
        view = by_installation.setdefault(
            repo.installation_id, InstallationView(repo.installation_id, repo.account, [])
        )
        view.repositories.append(RepositoryTotals(repo, owed[repo.id]))
    return list(by_installation.values())


def can_see(viewer: SignedIn, repo: VisibleRepository) -> bool:
    """GitHub lists the repository for the person, under the installation debtbot has it under."""
    return viewer.installation_of(repo.id) == repo.installation_id


async def visible_repository(session: AsyncSession, viewer: SignedIn, owner: str, name: str) -> VisibleRepository:
    """The repository `owner/name` if the person may see it; NotFoundError alike when it does not exist and when
    they may not see it, so that the answer tells nothing about repositories they cannot reach."""
    repo = await repository_named(session, f"{owner}/{name}", viewer.repository_ids)
    if repo is None or not can_see(viewer, repo):
        raise NotFoundError
    return repo


async def trend(session: AsyncSession, repo_id: int, now: datetime) -> list[WeekFigures]:
    """Week by week, oldest first, up to this week: empty when the ledger never moved."""
    first = await first_movement(session, repo_id)
    if first is None:
        return []
    last = IsoWeek.of(now)
    span = (last.monday - IsoWeek.of(first).monday).days // 7 + 1
    return await week_figures(session, repo_id, IsoWeek.ending(last, min(MAX_WEEKS, max(MIN_WEEKS, span))))


@dataclass(frozen=True)
class ItemOrder:
    sort: str
    descending: bool

    @classmethod
    def parse(cls, sort: str | None, order: str | None) -> ItemOrder:
        """The order asked for; an unknown key sorts by priority, a missing direction is the key's first one."""
        key = sort if sort in SORTS else DEFAULT_SORT
        descending = SORTS[key] if order not in ("asc", "desc") else order == "desc"
        return cls(key, descending)

    @property
    def order(self) -> str:
        return "desc" if self.descending else "asc"

    def toggled(self, key: str) -> ItemOrder:
        """Sorting by `key` from a header: its first direction, or the other one when already sorted by it."""
        if key == self.sort:
            return ItemOrder(key, not self.descending)
        return ItemOrder(key, SORTS[key])


def sort_items(items: Sequence[RankedItem], order: ItemOrder, now: datetime) -> list[RankedItem]:
    """Items in `order`; ties keep the ranking's order (Python's sort is stable, reversed or not)."""

    def key(item: RankedItem) -> Any:
        if order.sort == "effort":
            return item.effort_minutes
        if order.sort == "age":
            return (now - item.accrued_at).total_seconds()
        if order.sort == "category":
            return CATEGORIES.index(item.category)
        return item.priority

    return sorted(items, key=key, reverse=order.descending)


async def open_items(session: AsyncSession, repo_id: int, order: ItemOrder, now: datetime) -> list[RankedItem]:
    return sort_items(await ranked_open_items(session, repo_id, now=now), order, now)


async def history(session: AsyncSession, repo_id: int) -> list[PullRequestDebt]:
    """Pull requests that moved the ledger, newest (highest number) first."""
    moved = await pull_request_debt(session, repo_id)
    return sorted(moved, key=lambda pr: pr.pr_number, reverse=True)[:HISTORY_LIMIT]


def line_url(github_url: str, repo: VisibleRepository, item: RankedItem) -> str | None:
    """The item's line on GitHub, at the commit it was booked at (else the default branch); None without either."""
    ref = item.accrued_sha or repo.default_branch
    if ref is None:
        return None
    return Links(repo=repo.full_name, head_sha=ref, base_ref=ref, head_ref=ref, github_url=github_url).blob(
        item.path, item.line
    )


def pull_url(github_url: str, repo: VisibleRepository, number: int) -> str:
    return f"{github_url}/{repo.full_name}/pull/{number}"


def repository_url(github_url: str, repo: VisibleRepository) -> str:
    return f"{github_url}/{repo.full_name}"
