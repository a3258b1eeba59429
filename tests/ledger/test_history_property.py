"""Property: over any sequence of merges, pushes, baseline scans, payments, reverts and acceptances, booked at any
times, each week's total is the previous total plus what the week added (baseline included) minus what it paid,
the last total is what `totals` says at that moment, the total now is the effort of the items still owed, and
the weekly summary's numbers are the same as its trend's."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import LedgerItem, LedgerSource, LedgerState, Repository
from bot.ledger import book, history
from bot.ledger.history import IsoWeek
from bot.ledger.summary import weekly_summary
from checks.finding import Category, Severity

pytestmark = pytest.mark.anyio

#: 2026-W06 to 2026-W17: the window crosses daylight-saving changes in New York (8 March) and Berlin (29 March).
LAST = IsoWeek(2026, 17)
WEEKS = IsoWeek.ending(LAST, 12)
ORIGIN = WEEKS[0].start - timedelta(days=14)  # some events fall before the window
SPAN_HOURS = (LAST.end - ORIGIN) // timedelta(hours=1) + 48  # ... and some after it
FINGERPRINTS = [f"f{i}" for i in range(8)]
#: Each example books into a repository of its own: the database is shared by the examples.
_repos = itertools.count(1000)

Kind = Literal["merge", "push", "baseline", "pay", "accept", "expire"]


def _debt(fingerprint: str) -> book.Debt:
    index = int(fingerprint[1:])
    return book.Debt(
        fingerprint=fingerprint,
        rule="CODE001",
        slug="todo",
        category=list(Category)[index % len(Category)],
        severity=Severity.LOW,
        path="a.py",
        line=index + 1,
        message="debt",
        effort_minutes=1 + (index * 7) % 50,
    )


steps = st.lists(
    st.tuples(
        st.sampled_from(["merge", "push", "baseline", "pay", "accept", "expire"]),
        st.integers(0, SPAN_HOURS),
        st.lists(st.sampled_from(FINGERPRINTS), min_size=1, max_size=4),
        st.integers(1, 5),  # the pull request
    ),
    max_size=14,
)


async def _book(
    session: AsyncSession, repo: int, kind: Kind, at: datetime, *, fingerprints: list[str], pr: int
) -> None:
    merge = book.Attribution(at=at, source=LedgerSource.PULL_REQUEST, pr_number=pr, actor="dev", sha="a" * 40)
    if kind == "merge":
        await book.accrue(session, repo, [_debt(f) for f in fingerprints], merge)
    elif kind == "push":
        pushed = book.Attribution(at=at, source=LedgerSource.PUSH, actor="dev", sha="b" * 40)
        await book.accrue(session, repo, [_debt(f) for f in fingerprints], pushed)
    elif kind == "baseline":
        await book.accrue(session, repo, [_debt(f) for f in fingerprints], book.Attribution(at, LedgerSource.BASELINE))
    elif kind == "pay":
        await book.pay(session, repo, fingerprints, merge)
    elif kind == "accept":
        until = (at + timedelta(days=3)).date()
        await book.accept(session, repo, fingerprints=fingerprints, reason="later", until=until, by=merge)
    else:
        await book.expire(session, at.date(), repo_id=repo)


@dataclass
class Model:
    """The ledger as plain Python: each item's state and acceptance, and the moves that change totals."""

    state: dict[str, LedgerState] = field(default_factory=dict)
    until: dict[str, date | None] = field(default_factory=dict)
    #: (at, paid?, baseline?, pr, category, minutes)
    moves: list[tuple[datetime, bool, bool, int | None, Category, int]] = field(default_factory=list)

    def book(self, kind: Kind, at: datetime, fingerprints: list[str], pr: int) -> None:
        if kind in ("merge", "push", "baseline"):
            for f in dict.fromkeys(fingerprints):
                if self.state.get(f, LedgerState.PAID) is LedgerState.PAID:
                    self.state[f] = LedgerState.OPEN
                    d = _debt(f)
                    source_pr = pr if kind == "merge" else None
                    self.moves.append((at, False, kind == "baseline", source_pr, d.category, d.effort_minutes))
        elif kind == "pay":
            for f in sorted(set(fingerprints)):
                if self.state.get(f) in (LedgerState.OPEN, LedgerState.ACCEPTED):
                    self.state[f] = LedgerState.PAID
                    d = _debt(f)
                    self.moves.append((at, True, False, pr, d.category, d.effort_minutes))
        elif kind == "accept":
            for f in fingerprints:
                if self.state.get(f) is LedgerState.OPEN:
                    self.state[f] = LedgerState.ACCEPTED
                    self.until[f] = (at + timedelta(days=3)).date()
        else:
            for f, state in self.state.items():
                ends = self.until.get(f)
                if state is LedgerState.ACCEPTED and ends is not None and ends < at.date():
                    self.state[f] = LedgerState.OPEN

    def figures(self, start: datetime, end: datetime) -> tuple[history.Minutes, history.Minutes, history.Minutes]:
        added, baseline, paid = history.zero(), history.zero(), history.zero()
        for at, is_paid, is_baseline, _, category, minutes in self.moves:
            if start <= at < end:
                (paid if is_paid else baseline if is_baseline else added)[category] += minutes
        return added, baseline, paid

    def owed(self, until: datetime | None = None) -> history.Minutes:
        owed = history.zero()
        for at, is_paid, _, _, category, minutes in self.moves:
            if until is None or at < until:
                owed[category] += -minutes if is_paid else minutes
        return owed

    def by_pull_request(self) -> dict[int, tuple[int, int]]:
        found: dict[int, tuple[int, int]] = {}
        for _, is_paid, is_baseline, pr, _, minutes in self.moves:
            if pr is not None and not is_baseline:
                added, paid = found.get(pr, (0, 0))
                found[pr] = (added, paid + minutes) if is_paid else (added + minutes, paid)
        return found


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Europe/Berlin"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
async def test_weekly_numbers_add_up_to_the_trend(
    sessions: async_sessionmaker[AsyncSession], zone: str, steps: list[tuple[Kind, int, list[str], int]]
) -> None:
    repo = next(_repos)
    tz = ZoneInfo(zone)
    model = Model()
    async with sessions.begin() as session:
        for kind, hours, fingerprints, pr in steps:
            at = ORIGIN + timedelta(hours=hours)
            await _book(session, repo, kind, at, fingerprints=fingerprints, pr=pr)
            model.book(kind, at, fingerprints, pr)

    async with sessions() as session:
        figures = await history.week_figures(session, repo, WEEKS, tz=tz)
        before = await history.totals(session, repo, until=WEEKS[0].start_in(tz))
        at_end = await history.totals(session, repo, until=LAST.end_in(tz))
        now = await history.totals(session, repo)
        prs = await history.pull_request_debt(session, repo)
        owed_items = await session.execute(
            select(LedgerItem.category, func.sum(LedgerItem.effort_minutes))
            .where(LedgerItem.repo_id == repo, LedgerItem.state.in_([LedgerState.OPEN, LedgerState.ACCEPTED]))
            .group_by(LedgerItem.category)
        )
        owed = {**history.zero(), **{Category(c): int(m) for c, m in owed_items.all()}}
        summary = await weekly_summary(
            session, Repository(id=repo, full_name="octo-org/widgets"), LAST, now=LAST.end_in(tz), tz=tz
        )

    previous = before
    for week in figures:
        for category in Category:
            assert week.total[category] == (
                previous[category] + week.added[category] + week.baseline[category] - week.paid[category]
            )
            assert week.net[category] == week.total[category] - previous[category]
        assert (week.added, week.baseline, week.paid) == model.figures(week.week.start_in(tz), week.week.end_in(tz))
        previous = week.total
    assert before == model.owed(WEEKS[0].start_in(tz))
    assert figures[-1].total == at_end == model.owed(LAST.end_in(tz))
    assert now == owed == model.owed()
    assert {p.pr_number: (p.added, p.paid) for p in prs} == model.by_pull_request()
    # The weekly summary tells the same story: its trend is the totals, its week the last step of the trend.
    assert [p.owed for p in summary.trend] == [history.total_of(f.total) for f in figures]
    assert summary.net == summary.trend[-1].owed - summary.trend[-2].owed
    assert summary.owed == summary.trend[-1].owed
    assert (summary.added, summary.baseline, summary.paid) == tuple(
        history.total_of(m) for m in (figures[-1].added, figures[-1].baseline, figures[-1].paid)
    )
