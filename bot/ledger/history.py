"""The ledger's read side: totals owed, week-by-week figures, what to pay first, who added and paid debt.

Totals are sums over `ledger_events` (the effort ACCRUED minus the effort PAID), never over the items' current
state, so a total at any past moment is exact. Every reader is one grouped query (two for `week_figures`):
nothing here runs a query per week, per item or per pull request.

Minutes by category always hold every category (zeros included), so callers can add them up without guards.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import LedgerEvent, LedgerEventKind, LedgerItem, LedgerSource, LedgerState, PullRequest
from bot.db.store import chunks
from bot.ledger.book import OWED_STATES
from bot.ledger.priority import priority
from checks.finding import Category, Severity

#: Minutes of effort by category.
Minutes = dict[Category, int]

_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MOVES = (LedgerEventKind.ACCRUED, LedgerEventKind.PAID)


def zero() -> Minutes:
    """Every category at zero minutes."""
    return dict.fromkeys(Category, 0)


def total_of(minutes: Mapping[Category, int]) -> int:
    """All categories together."""
    return sum(minutes.values())


@dataclass(frozen=True, order=True, slots=True)
class IsoWeek:
    """An ISO 8601 week (Monday to Sunday), written `2026-W48`. Ordered by time."""

    year: int
    week: int

    def __post_init__(self) -> None:
        # Refuses week 0, week 54, and week 53 of a year that has 52.
        date.fromisocalendar(self.year, self.week, 1)

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """`2026-W48`; ValueError for anything else (or a week the year does not have)."""
        match = _WEEK.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"not an ISO week (YYYY-Www, e.g. 2026-W48): {text!r}")
        try:
            return cls(int(match[1]), int(match[2]))
        except ValueError:
            raise ValueError(f"{match[1]} has no week {match[2]}") from None

    @classmethod
    def of(cls, moment: datetime | date) -> IsoWeek:
        """The week a day falls in; a datetime (aware) is taken in UTC (use `.of(local.date())` for a timezone)."""
        if isinstance(moment, datetime):
            if moment.tzinfo is None:
                raise ValueError(f"naive datetime {moment!r}: pass an aware one")
            moment = moment.astimezone(UTC).date()
        year, week, _ = moment.isocalendar()
        return cls(year, week)

    @classmethod
    def ending(cls, last: IsoWeek, count: int) -> list[IsoWeek]:
        """`count` consecutive weeks, oldest first, the last of them `last`."""
        return [last - back for back in range(count - 1, -1, -1)]

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def start(self) -> datetime:
        """Monday 00:00 UTC."""
        return self.start_in(UTC)

    @property
    def end(self) -> datetime:
        """The next Monday 00:00 UTC (the week holds the moments before it)."""
        return self.end_in(UTC)

    def start_in(self, tz: tzinfo) -> datetime:
        """Monday 00:00 in `tz` (aware)."""
        return datetime.combine(self.monday, time(0), tzinfo=tz)

    def end_in(self, tz: tzinfo) -> datetime:
        """The next Monday 00:00 in `tz` (aware)."""
        return (self + 1).start_in(tz)

    def __add__(self, weeks: int) -> IsoWeek:
        return IsoWeek.of(self.monday + timedelta(weeks=weeks))

    def __sub__(self, weeks: int) -> IsoWeek:
        return self + -weeks

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"


@dataclass(frozen=True)
class WeekFigures:
    """One week's movements by category, and what was owed at its end.

    `added` is debt accrued by pull requests and pushes (a revert that brings paid debt back included);
    `baseline` is what the first scan of the repository found, reported apart; `net` is the change of the
    total over the week: `total` = the previous week's `total` + `net`.
    """

    week: IsoWeek
    added: Minutes
    baseline: Minutes
    paid: Minutes
    total: Minutes

    @property
    def net(self) -> Minutes:
        return {c: self.added[c] + self.baseline[c] - self.paid[c] for c in Category}


@dataclass(frozen=True)
class RankedItem:
    """An item owed (open or accepted) with its priority (`bot.ledger.priority`): higher is paid first."""

    id: int
    fingerprint: str
    rule: str
    slug: str
    category: Category
    severity: Severity
    path: str
    line: int | None
    message: str
    effort_minutes: int
    reach: int
    state: LedgerState
    source: LedgerSource
    accrued_at: datetime
    accrued_pr: int | None
    accrued_by: str | None
    #: The commit the item was accrued at: where its line is (links point there).
    accrued_sha: str | None
    accepted_reason: str | None
    accepted_until: date | None
    accepted_by: str | None
    priority: float


@dataclass(frozen=True)
class PullRequestDebt:
    """What one pull request did to the ledger: minutes it added and paid (baseline scans aside)."""

    pr_number: int
    #: The pull request's author (as recorded), else who its ledger events name.
    author: str | None
    added: int
    paid: int

    @property
    def net(self) -> int:
        return self.added - self.paid


@dataclass(frozen=True)
class Acceptance:
    """An accepted item and the acceptance's terms."""

    fingerprint: str
    rule: str
    slug: str
    category: Category
    path: str
    line: int | None
    effort_minutes: int
    reason: str | None
    #: The acceptance's last day.
    until: date
    accepted_by: str | None
    accrued_sha: str | None


def _signed_effort() -> ColumnElement[int]:
    """An event's effort with the sign it moves the total by."""
    return case(
        (LedgerEvent.kind == LedgerEventKind.ACCRUED, LedgerEvent.effort_minutes), else_=-LedgerEvent.effort_minutes
    )


async def totals(session: AsyncSession, repo_id: int, *, until: datetime | None = None) -> Minutes:
    """Minutes owed by category, from the events before `until` (all of them when None)."""
    conditions = [LedgerEvent.repo_id == repo_id, LedgerEvent.kind.in_(_MOVES)]
    if until is not None:
        conditions.append(LedgerEvent.at < until)
    rows = await session.execute(
        select(LedgerEvent.category, func.sum(_signed_effort())).where(*conditions).group_by(LedgerEvent.category)
    )
    owed = zero()
    for category, minutes in rows.all():
        owed[Category(category)] = int(minutes or 0)
    return owed


async def repository_totals(session: AsyncSession, repo_ids: Iterable[int]) -> dict[int, Minutes]:
    """Minutes owed now by category, for each of these repositories (zeros for one without events)."""
    wanted = sorted(set(repo_ids))
    found: dict[int, Minutes] = {repo_id: zero() for repo_id in wanted}
    for chunk in chunks(wanted):
        rows = await session.execute(
            select(LedgerEvent.repo_id, LedgerEvent.category, func.sum(_signed_effort()))
            .where(LedgerEvent.repo_id.in_(chunk), LedgerEvent.kind.in_(_MOVES))
            .group_by(LedgerEvent.repo_id, LedgerEvent.category)
        )
        for repo_id, category, minutes in rows.all():
            found[int(repo_id)][Category(category)] = int(minutes or 0)
    return found


async def week_figures(
    session: AsyncSession, repo_id: int, weeks: Sequence[IsoWeek], *, tz: tzinfo = UTC
) -> list[WeekFigures]:
    """Each week's figures (in the order given), its days taken in `tz`.

    One query buckets the events by the weeks' boundaries (a CASE over the boundaries, the same on SQLite and
    PostgreSQL, right across daylight-saving changes); the events before the first week are one more bucket,
    whose sum starts the running total.
    """
    if not weeks:
        return []
    bounds = sorted({w.start_in(tz) for w in weeks} | {w.end_in(tz) for w in weeks})
    # Bucket i holds the events in [bounds[i-1], bounds[i]); bucket 0 everything before bounds[0].
    bucket = case(*((LedgerEvent.at < bound, index) for index, bound in enumerate(bounds)), else_=len(bounds))
    events = (
        select(
            bucket.label("bucket"),
            LedgerEvent.kind.label("kind"),
            LedgerEvent.source.label("source"),
            LedgerEvent.category.label("category"),
            LedgerEvent.effort_minutes.label("effort"),
        )
        .where(LedgerEvent.repo_id == repo_id, LedgerEvent.kind.in_(_MOVES), LedgerEvent.at < bounds[-1])
        .subquery()
    )
    rows = await session.execute(
        select(events.c.bucket, events.c.kind, events.c.source, events.c.category, func.sum(events.c.effort)).group_by(
            events.c.bucket, events.c.kind, events.c.source, events.c.category
        )
    )
    added = [zero() for _ in range(len(bounds))]
    baseline = [zero() for _ in range(len(bounds))]
    paid = [zero() for _ in range(len(bounds))]
    for index, kind, source, category_value, minutes in rows.all():
        category, effort = Category(category_value), int(minutes or 0)
        if LedgerEventKind(kind) is LedgerEventKind.PAID:
            paid[index][category] += effort
        elif LedgerSource(source) is LedgerSource.BASELINE:
            baseline[index][category] += effort
        else:
            added[index][category] += effort
    # owed[i]: the total at bounds[i], from every bucket up to i.
    owed: list[Minutes] = []
    running = zero()
    for index in range(len(bounds)):
        running = {c: running[c] + added[index][c] + baseline[index][c] - paid[index][c] for c in Category}
        owed.append(running)
    position = {bound: index for index, bound in enumerate(bounds)}
    figures = []
    for week in weeks:
        inside = position[week.start_in(tz)] + 1
        figures.append(
            WeekFigures(
                week=week,
                added=added[inside],
                baseline=baseline[inside],
                paid=paid[inside],
                total=owed[position[week.end_in(tz)]],
            )
        )
    return figures


_ITEM_COLUMNS = (
    LedgerItem.id,
    LedgerItem.fingerprint,
    LedgerItem.rule,
    LedgerItem.slug,
    LedgerItem.category,
    LedgerItem.severity,
    LedgerItem.path,
    LedgerItem.line,
    LedgerItem.message,
    LedgerItem.effort_minutes,
    LedgerItem.reach,
    LedgerItem.state,
    LedgerItem.source,
    LedgerItem.accrued_at,
    LedgerItem.accrued_pr,
    LedgerItem.accrued_by,
    LedgerItem.accrued_sha,
    LedgerItem.accepted_reason,
    LedgerItem.accepted_until,
    LedgerItem.accepted_by,
)


def _ranked(row: Any, now: datetime) -> RankedItem:
    category, severity = Category(row.category), Severity(row.severity)
    return RankedItem(
        id=row.id,
        fingerprint=row.fingerprint,
        rule=row.rule,
        slug=row.slug,
        category=category,
        severity=severity,
        path=row.path,
        line=row.line,
        message=row.message,
        effort_minutes=row.effort_minutes,
        reach=row.reach,
        state=LedgerState(row.state),
        source=LedgerSource(row.source),
        accrued_at=row.accrued_at,
        accrued_pr=row.accrued_pr,
        accrued_by=row.accrued_by,
        accrued_sha=row.accrued_sha,
        accepted_reason=row.accepted_reason,
        accepted_until=row.accepted_until,
        accepted_by=row.accepted_by,
        priority=priority(severity=severity, category=category, reach=row.reach, accrued_at=row.accrued_at, now=now),
    )


async def ranked_open_items(
    session: AsyncSession, repo_id: int, *, now: datetime, limit: int | None = None
) -> list[RankedItem]:
    """The items owed (open and accepted), highest priority first; at equal priority the cheaper fix first.

    The priority grows with age, so it is computed here at `now` rather than stored. With a `limit`, the ranking
    reads only the columns the score needs, and the full rows of the chosen items alone.
    """
    owed = (LedgerItem.repo_id == repo_id, LedgerItem.state.in_(OWED_STATES))
    if limit is None:
        items = [_ranked(row, now) for row in (await session.execute(select(*_ITEM_COLUMNS).where(*owed))).all()]
        items.sort(key=_rank_key)
        return items
    scores: dict[tuple[Any, ...], float] = {}
    ranking = []
    keys = await session.execute(
        select(
            LedgerItem.id,
            LedgerItem.severity,
            LedgerItem.category,
            LedgerItem.reach,
            LedgerItem.accrued_at,
            LedgerItem.effort_minutes,
            LedgerItem.path,
            LedgerItem.line,
        ).where(*owed)
    )
    for item_id, severity, category, reach, accrued_at, effort, path, line in keys.all():
        # Items booked by one change share their score: compute it once.
        key = (severity, category, reach, accrued_at)
        score = scores.get(key)
        if score is None:
            score = scores[key] = priority(
                severity=Severity(severity), category=Category(category), reach=reach, accrued_at=accrued_at, now=now
            )
        ranking.append((-score, effort, path, line or 0, item_id))
    chosen = [entry[-1] for entry in heapq.nsmallest(limit, ranking)]
    rows = await session.execute(select(*_ITEM_COLUMNS).where(LedgerItem.id.in_(chosen)))
    by_id = {row.id: _ranked(row, now) for row in rows.all()}
    return [by_id[item_id] for item_id in chosen]


def _rank_key(item: RankedItem) -> tuple[float, int, str, int, int]:
    return (-item.priority, item.effort_minutes, item.path, item.line or 0, item.id)


async def pull_request_debt(
    session: AsyncSession,
    repo_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[PullRequestDebt]:
    """Pull requests by the debt they moved in [since, until): the most added plus paid first."""
    added = func.sum(case((LedgerEvent.kind == LedgerEventKind.ACCRUED, LedgerEvent.effort_minutes), else_=0))
    paid = func.sum(case((LedgerEvent.kind == LedgerEventKind.PAID, LedgerEvent.effort_minutes), else_=0))
    conditions = [
        LedgerEvent.repo_id == repo_id,
        LedgerEvent.pr_number.is_not(None),
        LedgerEvent.kind.in_(_MOVES),
        LedgerEvent.source != LedgerSource.BASELINE,
    ]
    if since is not None:
        conditions.append(LedgerEvent.at >= since)
    if until is not None:
        conditions.append(LedgerEvent.at < until)
    statement = (
        select(
            LedgerEvent.pr_number,
            func.coalesce(func.max(PullRequest.author), func.max(LedgerEvent.actor)),
            added,
            paid,
        )
        # At most one pull request row per event (unique repository and number): the sums are not multiplied.
        .outerjoin(
            PullRequest, and_(PullRequest.repo_id == LedgerEvent.repo_id, PullRequest.number == LedgerEvent.pr_number)
        )
        .where(*conditions)
        .group_by(LedgerEvent.pr_number)
        .order_by((added + paid).desc(), LedgerEvent.pr_number.desc())
    )
    if limit is not None:
        statement = statement.limit(limit)
    rows = await session.execute(statement)
    return [
        PullRequestDebt(pr_number=int(number), author=author, added=int(a or 0), paid=int(p or 0))
        for number, author, a, p in rows.all()
    ]


async def expiring_acceptances(
    session: AsyncSession, repo_id: int, *, today: date, within_days: int = 14
) -> list[Acceptance]:
    """Accepted items whose acceptance ends within `within_days` of `today` (or has ended and not yet been
    expired), soonest first."""
    rows = await session.execute(
        select(
            LedgerItem.fingerprint,
            LedgerItem.rule,
            LedgerItem.slug,
            LedgerItem.category,
            LedgerItem.path,
            LedgerItem.line,
            LedgerItem.effort_minutes,
            LedgerItem.accepted_reason,
            LedgerItem.accepted_until,
            LedgerItem.accepted_by,
            LedgerItem.accrued_sha,
        )
        .where(
            LedgerItem.repo_id == repo_id,
            LedgerItem.state == LedgerState.ACCEPTED,
            LedgerItem.accepted_until.is_not(None),
            LedgerItem.accepted_until <= today + timedelta(days=within_days),
        )
        .order_by(LedgerItem.accepted_until, LedgerItem.rule, LedgerItem.path, LedgerItem.line)
    )
    return [
        Acceptance(
            fingerprint=row.fingerprint,
            rule=row.rule,
            slug=row.slug,
            category=Category(row.category),
            path=row.path,
            line=row.line,
            effort_minutes=row.effort_minutes,
            reason=row.accepted_reason,
            until=row.accepted_until,
            accepted_by=row.accepted_by,
            accrued_sha=row.accrued_sha,
        )
        for row in rows.all()
    ]
