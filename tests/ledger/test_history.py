"""The ledger's read side, on SQLite and PostgreSQL, over ledgers written through `bot.ledger.book`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import store
from bot.db.models import LedgerSource, LedgerState, PullRequestState
from bot.ledger import book, history
from bot.ledger.history import IsoWeek
from checks.finding import Category, Severity

pytestmark = pytest.mark.anyio

REPO = 7
#: Monday 2 November 2026, the first day of 2026-W45.
W45 = datetime(2026, 11, 2, tzinfo=UTC)


def debt(
    fingerprint: str,
    category: Category = Category.CODE,
    effort: int = 10,
    *,
    severity: Severity = Severity.LOW,
    rule: str = "CODE001",
    path: str = "src/a.py",
    line: int | None = 3,
    reach: int = 0,
) -> book.Debt:
    return book.Debt(
        fingerprint=fingerprint,
        rule=rule,
        slug="todo",
        category=category,
        severity=severity,
        path=path,
        line=line,
        message=f"debt {fingerprint}",
        effort_minutes=effort,
        reach=reach,
    )


def by(at: datetime, pr: int | None = None, source: LedgerSource = LedgerSource.PULL_REQUEST) -> book.Attribution:
    return book.Attribution(at=at, source=source, pr_number=pr, actor=f"dev{pr}" if pr else None, sha="c" * 40)


def baseline(at: datetime) -> book.Attribution:
    return book.Attribution(at=at, source=LedgerSource.BASELINE, sha="b" * 40)


# --- IsoWeek --------------------------------------------------------------------------------------------------------


def test_iso_weeks_parse_print_and_order() -> None:
    week = IsoWeek.parse("2026-W45")
    assert (week.year, week.week, str(week)) == (2026, 45, "2026-W45")
    assert str(IsoWeek(2027, 3)) == "2027-W03"
    assert IsoWeek.parse(" 2026-W01 ") < IsoWeek(2026, 2) < IsoWeek(2027, 1)
    assert (week.start, week.end) == (W45, W45 + timedelta(days=7))
    assert (IsoWeek.of(W45), IsoWeek.of(W45 - timedelta(microseconds=1))) == (week, IsoWeek(2026, 44))
    assert IsoWeek.of(date(2026, 11, 8)) == week


@pytest.mark.parametrize("text", ["2026-45", "2026-W1", "26-W45", "2026-W00", "2025-W53", "2026-W54", "W45"])
def test_iso_weeks_refuse_what_is_not_one(text: str) -> None:
    with pytest.raises(ValueError, match=r"ISO week|has no week"):
        IsoWeek.parse(text)


def test_iso_week_arithmetic_crosses_years_with_53_weeks() -> None:
    assert str(IsoWeek(2026, 52) + 1) == "2026-W53"  # 2026 starts on a Thursday: it has 53 weeks
    assert str(IsoWeek(2026, 53) + 1) == "2027-W01"
    assert str(IsoWeek(2026, 1) - 1) == "2025-W52"
    assert [str(w) for w in IsoWeek.ending(IsoWeek(2027, 2), 4)] == ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]


def test_iso_week_boundaries_in_a_timezone_and_a_naive_datetime_refused() -> None:
    sydney = ZoneInfo("Australia/Sydney")
    week = IsoWeek(2026, 45)
    assert week.start_in(sydney) == datetime(2026, 11, 1, 13, tzinfo=UTC)  # AEDT, UTC+11
    assert week.end_in(sydney) - week.start_in(sydney) == timedelta(days=7)
    with pytest.raises(ValueError, match="naive"):
        IsoWeek.of(datetime(2026, 11, 2))


# --- totals and week figures ----------------------------------------------------------------------------------------


async def test_totals_are_accrued_minus_paid_by_category_and_in_time(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await book.accrue(session, REPO, [debt("a", effort=30), debt("d", Category.DATA, 45)], by(W45, 1))
        await book.pay(session, REPO, ["a"], by(W45 + timedelta(days=2), 2))
        await book.accept(session, REPO, fingerprints=["d"], reason="later", until=None, by=by(W45, 3))
        await book.accrue(session, REPO, [debt("other", effort=99)], by(W45, 4))  # another repository below
        await book.accrue(session, REPO + 1, [debt("x", effort=99)], by(W45, 1))

    async with sessions() as session:
        now = await history.totals(session, REPO)
        before_pay = await history.totals(session, REPO, until=W45 + timedelta(days=1))
        before_all = await history.totals(session, REPO, until=W45)
        both = await history.repository_totals(session, [REPO, REPO + 1, 999])

    assert now == {Category.CODE: 99, Category.DATA: 45, Category.MODEL: 0, Category.DEPENDENCY: 0}
    assert before_pay[Category.CODE] == 30 + 99
    assert history.total_of(before_all) == 0  # `until` is exclusive: the events at W45 are not before it
    assert both == {REPO: now, REPO + 1: {**history.zero(), Category.CODE: 99}, 999: history.zero()}


async def test_week_figures_split_added_baseline_and_paid_and_carry_the_total(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await book.accrue(session, REPO, [debt("old", effort=5)], by(W45 - timedelta(days=30), 1))
        await book.accrue(
            session, REPO, [debt("b1", effort=100), debt("b2", Category.MODEL, 50)], baseline(W45 + timedelta(hours=1))
        )
        await book.accrue(session, REPO, [debt("p1", Category.DATA, 20)], by(W45 + timedelta(days=8), 11))
        await book.accrue(session, REPO, [debt("push", effort=7)], by(W45 + timedelta(days=9), None, LedgerSource.PUSH))
        await book.pay(session, REPO, ["b1", "p1"], by(W45 + timedelta(days=9), 12))
        await book.accrue(session, REPO, [debt("p1", Category.DATA, 20)], by(W45 + timedelta(days=20), 13))  # revert
        await book.accrue(session, REPO, [debt("late", effort=1000)], by(W45 + timedelta(days=40), 14))

    weeks = IsoWeek.ending(IsoWeek(2026, 47), 3)
    async with sessions() as session:
        w45, w46, w47 = await history.week_figures(session, REPO, weeks)

    assert (w45.week, w46.week, w47.week) == tuple(weeks)
    assert (w45.baseline[Category.CODE], w45.baseline[Category.MODEL], history.total_of(w45.added)) == (100, 50, 0)
    assert history.total_of(w45.total) == 5 + 150
    assert (w46.added[Category.DATA], w46.added[Category.CODE]) == (20, 7)
    assert (w46.paid[Category.CODE], w46.paid[Category.DATA]) == (100, 20)
    assert w46.net == {Category.DATA: 0, Category.MODEL: 0, Category.DEPENDENCY: 0, Category.CODE: -93}
    assert history.total_of(w46.total) == 155 - 93
    assert (w47.added[Category.DATA], history.total_of(w47.total)) == (20, 62 + 20)


async def test_week_figures_take_the_days_in_the_repository_s_timezone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Sunday 23:30 UTC is already Monday in Berlin: next week there, this week in UTC.
    sunday_night = W45 + timedelta(days=6, hours=23, minutes=30)
    async with sessions.begin() as session:
        await book.accrue(session, REPO, [debt("a", effort=10)], by(sunday_night, 1))
    weeks = [IsoWeek(2026, 45), IsoWeek(2026, 46)]
    async with sessions() as session:
        utc = await history.week_figures(session, REPO, weeks)
        berlin = await history.week_figures(session, REPO, weeks, tz=ZoneInfo("Europe/Berlin"))
        assert await history.week_figures(session, REPO, []) == []

    assert [history.total_of(f.added) for f in utc] == [10, 0]
    assert [history.total_of(f.added) for f in berlin] == [0, 10]
    assert [history.total_of(f.total) for f in berlin] == [0, 10]


async def test_week_figures_of_weeks_apart_count_the_gap_in_the_totals(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await book.accrue(session, REPO, [debt("a", effort=10)], by(W45 + timedelta(days=10), 1))
    async with sessions() as session:
        later, first = await history.week_figures(session, REPO, [IsoWeek(2026, 48), IsoWeek(2026, 45)])
    assert (history.total_of(first.total), history.total_of(first.added)) == (0, 0)
    assert (history.total_of(later.total), history.total_of(later.added)) == (10, 0)


# --- items, pull requests, acceptances -------------------------------------------------------------------------------


async def test_ranked_open_items_order_by_priority_and_leave_paid_debt_out(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = W45 + timedelta(weeks=10)
    async with sessions.begin() as session:
        await book.accrue(
            session,
            REPO,
            [
                debt("low", severity=Severity.LOW, effort=5),
                debt("high", severity=Severity.HIGH, effort=60, path="train.py", line=7),
                debt("wide", severity=Severity.LOW, reach=31, effort=5),  # reach 31: factor 6
                debt("paid", severity=Severity.HIGH),
                debt("cheap", severity=Severity.LOW, effort=1),
            ],
            by(W45, 1),
        )
        await book.pay(session, REPO, ["paid"], by(W45, 2))
        await book.accept(session, REPO, fingerprints=["low"], reason="ok", until=date(2027, 1, 1), by=by(W45, 3))

    async with sessions() as session:
        ranked = await history.ranked_open_items(session, REPO, now=now)
        top = await history.ranked_open_items(session, REPO, now=now, limit=2)

    assert [i.fingerprint for i in ranked] == ["wide", "high", "cheap", "low"]
    assert top == ranked[:2]  # the ranking with a limit reads less, and agrees
    high = ranked[1]
    assert (high.path, high.line, high.accrued_sha, high.accrued_pr, high.state) == (
        "train.py",
        7,
        "c" * 40,
        1,
        LedgerState.OPEN,
    )
    assert high.priority == pytest.approx(8 * 1.01**10, abs=0.01)
    low = ranked[3]
    assert (low.state, low.accepted_reason, low.accepted_until) == (LedgerState.ACCEPTED, "ok", date(2027, 1, 1))


async def test_pull_request_debt_sums_each_pull_request_in_a_period(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await store.upsert_pull_request(
            session,
            repo_id=REPO,
            number=11,
            author="alice",
            base_ref="main",
            head_sha="d" * 40,
            state=PullRequestState.CLOSED,
            merged=True,
        )
        await book.accrue(session, REPO, [debt("b", effort=500)], baseline(W45))
        await book.accrue(session, REPO, [debt("a1", effort=30), debt("a2", effort=15)], by(W45, 11))
        await book.pay(session, REPO, ["b"], by(W45 + timedelta(days=1), 12))
        await book.accrue(session, REPO, [debt("c", effort=5)], by(W45 + timedelta(days=1), 12))
        await book.accrue(session, REPO, [debt("x", effort=2)], by(W45 + timedelta(days=1), 13))
        await book.accrue(session, REPO, [debt("later", effort=999)], by(W45 + timedelta(days=8), 14))
        await book.accept(session, REPO, fingerprints=["a1"], reason="fine", until=None, by=by(W45, 15))

    async with sessions() as session:
        week = await history.pull_request_debt(session, REPO, since=W45, until=W45 + timedelta(days=7))
        top = await history.pull_request_debt(session, REPO, limit=1)

    assert [(p.pr_number, p.author, p.added, p.paid, p.net) for p in week] == [
        (12, "dev12", 5, 500, -495),
        (11, "alice", 45, 0, 45),  # the author recorded for the pull request, not the events' actor
        (13, "dev13", 2, 0, 2),
    ]
    assert [p.pr_number for p in top] == [14]


async def test_expiring_acceptances_within_the_window_soonest_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    today = date(2026, 11, 10)
    async with sessions.begin() as session:
        await book.accrue(session, REPO, [debt(f, effort=10, line=i) for i, f in enumerate("abcde")], by(W45, 1))
        terms = {"a": today + timedelta(days=14), "b": today + timedelta(days=15), "c": today, "d": None}
        for fingerprint, until in terms.items():
            await book.accept(
                session, REPO, fingerprints=[fingerprint], reason=f"why {fingerprint}", until=until, by=by(W45, 2)
            )
        await book.accept(
            session, REPO, fingerprints=["e"], reason="past", until=today - timedelta(days=1), by=by(W45, 2)
        )

    async with sessions() as session:
        soon = await history.expiring_acceptances(session, REPO, today=today)
        tomorrow = await history.expiring_acceptances(session, REPO, today=today, within_days=0)

    assert [(a.fingerprint, a.until, a.reason) for a in soon] == [
        ("e", today - timedelta(days=1), "past"),  # ended, not yet expired: still shown
        ("c", today, "why c"),
        ("a", today + timedelta(days=14), "why a"),
    ]
    assert soon[0].accepted_by == "dev2"
    assert [a.fingerprint for a in tomorrow] == ["e", "c"]
