"""Property tests of the ledger over sequences of merges, pushes, reverts, force-pushes, acceptances and expiries,
booked the way the service books them, against a real database (SQLite; PostgreSQL with a smaller budget).

A model keeps the branch as the set of debts its tip holds, and its history; each change is booked from the
debt it adds and removes (a force-push also from what its dropped commits had added and removed). After every
step the ledger must owe exactly the tip's debt, its totals per category must equal accrued minus paid and the
effort of the items owed, and no fingerprint may be owed twice.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import make_engine, session_factory, upgrade
from bot.db.models import LedgerEvent, LedgerEventKind, LedgerItem, LedgerSource, LedgerState
from bot.ledger import acceptances, book, commands
from bot.ledger.accrual import Booking, book_change
from bot.ledger.pushes import push_booking
from checks.finding import Category, Severity

RULES = ("CODE001", "DEP001", "MODEL001", "DATA001")
CATEGORY = {
    "CODE001": Category.CODE,
    "DEP001": Category.DEPENDENCY,
    "MODEL001": Category.MODEL,
    "DATA001": Category.DATA,
}
#: Sixteen pieces of debt a change may add or remove; each always the same rule, category and effort.
DEBTS = {
    f"{index:024x}": book.Debt(
        fingerprint=f"{index:024x}",
        rule=RULES[index % 4],
        slug=RULES[index % 4].lower(),
        category=CATEGORY[RULES[index % 4]],
        severity=Severity.LOW,
        path=f"src/m{index}.py",
        line=index,
        message=f"debt {index}",
        effort_minutes=5 + 7 * index,
    )
    for index in range(16)
}
FINGERPRINTS = sorted(DEBTS)
START = date(2026, 11, 2)
_repo_ids = itertools.count(1)

debt_sets = st.frozensets(st.sampled_from(FINGERPRINTS), max_size=5)
positions = st.frozensets(st.integers(0, 15), max_size=3)


@dataclass(frozen=True)
class Change:
    """A merged pull request or a push: debt added, and debt of the tip removed (by position in the tip)."""

    add: frozenset[str]
    remove: frozenset[int]


def removed(tip: frozenset[str], positions: frozenset[int]) -> frozenset[str]:
    ordered = sorted(tip)
    return frozenset(ordered[p % len(ordered)] for p in positions) if ordered else frozenset()


@dataclass(frozen=True)
class Revert:
    back: int  # which change of the history is reverted (0: the last)


@dataclass(frozen=True)
class ForcePush:
    drop: int  # commits dropped (at least one)
    add: frozenset[str]
    remove: frozenset[int]  # debt of the commit it starts from, by position


@dataclass(frozen=True)
class Accept:
    target: str  # a rule code or a fingerprint
    days: int | None  # how long it holds (None: no end)


@dataclass(frozen=True)
class Wait:
    days: int  # time passes; the daily expiry runs


@dataclass(frozen=True)
class Retry:
    """The last booking again (a retried job that the service's own claims would stop; booking is idempotent)."""


Step = Change | Revert | ForcePush | Accept | Wait | Retry

steps = st.one_of(
    st.builds(Change, debt_sets, positions),
    st.builds(Revert, st.integers(0, 3)),
    st.builds(ForcePush, st.integers(1, 3), debt_sets, positions),
    st.builds(Accept, st.sampled_from(RULES + tuple(FINGERPRINTS[:4])), st.one_of(st.none(), st.integers(0, 10))),
    st.builds(Wait, st.integers(1, 12)),
    st.just(Retry()),
)


@dataclass
class Model:
    history: list[frozenset[str]] = field(default_factory=lambda: [frozenset()])
    today: date = START
    comments: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    last: Booking | None = None

    @property
    def tip(self) -> frozenset[str]:
        return self.history[-1]


def debts(fingerprints: frozenset[str]) -> list[book.Debt]:
    return [DEBTS[f] for f in sorted(fingerprints)]


def linear(before: frozenset[str], after: frozenset[str]) -> Booking:
    return push_booking(added=debts(after - before), paid=debts(before - after))


async def apply_step(session: AsyncSession, repo_id: int, model: Model, step: Step) -> None:
    at = datetime.combine(model.today, datetime.min.time(), UTC)
    by = book.Attribution(at=at, source=LedgerSource.PUSH, actor="someone")
    booking: Booking | None = None
    if isinstance(step, Change):
        after = (model.tip - removed(model.tip, step.remove)) | step.add
        booking = linear(model.tip, after)
        model.history.append(after)
    elif isinstance(step, Revert) and len(model.history) > step.back + 1:
        before, after = model.history[-2 - step.back], model.history[-1 - step.back]
        reverted = (model.tip - (after - before)) | (before - after)
        booking = linear(model.tip, reverted)
        model.history.append(reverted)
    elif isinstance(step, ForcePush) and len(model.history) > step.drop:
        base = model.history[-1 - step.drop]
        after = (base - removed(base, step.remove)) | step.add
        booking = push_booking(
            added=debts(after - base),
            paid=debts(base - after),
            dropped_added=debts(model.tip - base),
            dropped_paid=debts(base - model.tip),
        )
        model.history[len(model.history) - step.drop :] = [after]
    elif isinstance(step, Accept):
        rule = step.target if step.target in RULES else None
        acceptance = commands.Acceptance(
            reason="taken on purpose",
            until=None if step.days is None else model.today + timedelta(days=step.days),
            rule=rule,
            fingerprint=None if rule else step.target,
        )
        row, _ = await commands.record(
            session,
            repo_id,
            acceptance,
            accepted_by="maya",
            pr_number=1,
            comment_id=repo_id * 1000 + next(model.comments),
        )
        await acceptances.accept_items(session, repo_id, row, by)
    elif isinstance(step, Wait):
        model.today += timedelta(days=step.days)
        await book.expire(session, model.today, repo_id=repo_id)
    elif isinstance(step, Retry) and model.last is not None:
        booking = model.last
    if booking is not None:
        await book_change(session, repo_id, booking, by, today=model.today)
        model.last = booking


async def check_invariants(session: AsyncSession, repo_id: int, model: Model) -> None:
    items = list(await session.scalars(select(LedgerItem).where(LedgerItem.repo_id == repo_id)))
    owed = {i.fingerprint for i in items if i.state in (LedgerState.OPEN, LedgerState.ACCEPTED)}
    assert owed == model.tip

    events = (await session.execute(select(LedgerEvent).where(LedgerEvent.repo_id == repo_id))).scalars().all()
    moved: dict[Category, int] = defaultdict(int)
    per_item: dict[int, int] = defaultdict(int)
    for event in events:
        sign = {LedgerEventKind.ACCRUED: 1, LedgerEventKind.PAID: -1}.get(event.kind, 0)
        moved[event.category] += sign * event.effort_minutes
        per_item[event.item_id] += sign
    by_items: dict[Category, int] = defaultdict(int)
    for item in items:
        if item.fingerprint in owed:
            by_items[item.category] += item.effort_minutes
        # Never owed twice: accrued once more than paid while owed, as often as paid otherwise.
        assert per_item[item.id] == (1 if item.fingerprint in owed else 0), item.fingerprint
    expected = defaultdict(
        int, {c: sum(DEBTS[f].effort_minutes for f in model.tip if DEBTS[f].category is c) for c in Category}
    )
    for category in Category:
        assert moved[category] == by_items[category] == expected[category], category

    # Accepted debt is accepted until a day not passed yet (the daily expiry opens the rest).
    for item in items:
        if item.state is LedgerState.ACCEPTED:
            assert item.accepted_until is None or item.accepted_until >= model.today


async def run_scenario(database_url: str, scenario: list[Step]) -> None:
    engine = make_engine(database_url)
    repo_id = next(_repo_ids)
    model = Model()
    try:
        sessions = session_factory(engine)
        for step in scenario:
            async with sessions.begin() as session:
                await apply_step(session, repo_id, model, step)
            async with sessions() as session:
                await check_invariants(session, repo_id, model)
    finally:
        await engine.dispose()


def run_property(database_url: str, examples: int) -> None:
    asyncio.run(upgrade(database_url))

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(steps, min_size=1, max_size=14))
    def ledger_holds(scenario: list[Step]) -> None:
        asyncio.run(run_scenario(database_url, scenario))

    ledger_holds()


def test_the_ledger_owes_exactly_the_branchs_debt_whatever_happens_to_the_branch(database_url: str) -> None:
    run_property(database_url, 80 if database_url.startswith("sqlite") else 15)
