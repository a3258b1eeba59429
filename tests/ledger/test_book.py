"""Booking debt: accrue, pay, accept and expire are idempotent, and every move leaves one event."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import FindingRow, LedgerEvent, LedgerEventKind, LedgerItem, LedgerSource, LedgerState
from bot.ledger import book
from bot.ledger.accrual import Booking, book_change
from checks.finding import Category, Finding, Occurrence, Severity

pytestmark = pytest.mark.anyio

REPO = 42
AT = datetime(2026, 11, 2, 10, tzinfo=UTC)


def _debt(fingerprint: str, category: Category = Category.CODE, effort: int = 5, rule: str = "CODE001") -> book.Debt:
    return book.Debt(
        fingerprint=fingerprint,
        rule=rule,
        slug="todo",
        category=category,
        severity=Severity.LOW,
        path="src/a.py",
        line=3,
        message="TODO",
        effort_minutes=effort,
    )


def _by(pr: int) -> book.Attribution:
    return book.Attribution(at=AT, source=LedgerSource.PULL_REQUEST, pr_number=pr, actor="octocat", sha="a" * 40)


async def _events(session: AsyncSession) -> list[tuple[LedgerEventKind, int]]:
    rows = await session.execute(select(LedgerEvent.kind, LedgerEvent.effort_minutes).order_by(LedgerEvent.id))
    return [(kind, effort) for kind, effort in rows.all()]


async def _state(session: AsyncSession, fingerprint: str) -> LedgerState:
    return (await session.scalars(select(LedgerItem.state).where(LedgerItem.fingerprint == fingerprint))).one()


async def test_accrue_twice_books_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        assert await book.accrue(session, REPO, [_debt("f1"), _debt("f2"), _debt("f1")], _by(1)) == 2
        assert await book.accrue(session, REPO, [_debt("f1")], _by(2)) == 0
        assert await _events(session) == [(LedgerEventKind.ACCRUED, 5), (LedgerEventKind.ACCRUED, 5)]
        assert await book.owed_fingerprints(session, REPO) == {"f1", "f2"}
        item = (await session.scalars(select(LedgerItem).where(LedgerItem.fingerprint == "f1"))).one()
        assert item.accrued_pr == 1


async def test_pay_then_revert_reopens_the_same_item(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await book.accrue(session, REPO, [_debt("f1")], _by(1))
        assert await book.pay(session, REPO, ["f1", "unknown"], _by(2)) == 1
        assert await book.pay(session, REPO, ["f1"], _by(3)) == 0
        assert await _state(session, "f1") is LedgerState.PAID
        assert await book.accrue(session, REPO, [_debt("f1")], _by(4)) == 1
        assert await _state(session, "f1") is LedgerState.OPEN
        assert await session.scalar(select(func.count()).select_from(LedgerItem)) == 1
        assert [k for k, _ in await _events(session)] == [
            LedgerEventKind.ACCRUED,
            LedgerEventKind.PAID,
            LedgerEventKind.ACCRUED,
        ]


async def test_edited_debt_moves_to_its_new_fingerprint_and_keeps_its_age(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await book.accrue(session, REPO, [_debt("f1")], _by(1))
        reworded = dataclasses.replace(_debt("f2"), message="TODO, reworded", line=9)
        assert await book.move(session, REPO, {"f1": reworded}, _by(2)) == (1, {})
        item = (await session.scalars(select(LedgerItem))).one()
        assert (item.fingerprint, item.message, item.line, item.accrued_pr) == ("f2", "TODO, reworded", 9, 1)
        assert item.state is LedgerState.OPEN
        assert await _events(session) == [(LedgerEventKind.ACCRUED, 5), (LedgerEventKind.EDITED, 5)]
        # Booked again (a retried job): the debt is where it was moved, nothing moves twice.
        assert await book.move(session, REPO, {"f1": reworded}, _by(2)) == (0, {"f1": reworded})


async def test_an_edit_the_ledger_cannot_follow_is_paid_and_accrued(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Debt the ledger never owed as it was, or whose new fingerprint is an item already, is booked as before."""
    async with sessions.begin() as session:
        await book.accrue(session, REPO, [_debt("f1"), _debt("f2")], _by(1))
        await book.pay(session, REPO, ["f2"], _by(2))
        booking = Booking(move={"f1": _debt("f2"), "unknown": _debt("f3")})
        booked = await book_change(session, REPO, booking, _by(3), today=AT.date())
        assert (booked.edited, booked.accrued, booked.paid) == (0, 2, 1)
        assert {i.fingerprint: i.state for i in await session.scalars(select(LedgerItem))} == {
            "f1": LedgerState.PAID,
            "f2": LedgerState.OPEN,
            "f3": LedgerState.OPEN,
        }


async def test_accept_by_rule_then_expire(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await book.accrue(session, REPO, [_debt("f1"), _debt("f2", rule="DATA001")], _by(1))
        moved = await book.accept(session, REPO, rule="code001", reason="later", until=date(2026, 12, 1), by=_by(5))
        assert moved == 1
        assert await _state(session, "f1") is LedgerState.ACCEPTED
        assert await _state(session, "f2") is LedgerState.OPEN
        assert await book.expire(session, date(2026, 12, 1)) == 0  # the last day still holds
        assert await book.expire(session, date(2026, 12, 2)) == 1
        assert await _state(session, "f1") is LedgerState.OPEN


async def test_debt_in_another_repository_is_another_item(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await book.accrue(session, REPO, [_debt("f1")], _by(1))
        assert await book.accrue(session, REPO + 1, [_debt("f1")], _by(1)) == 1
        assert await book.pay(session, REPO + 1, ["f1"], _by(2)) == 1
        assert await book.owed_fingerprints(session, REPO) == {"f1"}


async def test_reach_goes_from_a_finding_to_its_items(sessions: async_sessionmaker[AsyncSession]) -> None:
    finding = Finding(
        rule="DEP001",
        slug="unpinned-dependency",
        category=Category.DEPENDENCY,
        severity=Severity.MEDIUM,
        message="unpinned (2 occurrences)",
        path="requirements.txt",
        line=3,
        end_line=3,
        remediation="pin it",
        effort_minutes=10,
        fingerprint="whole",
        occurrences=(Occurrence(3, 3, "h1", "torch"), Occurrence(4, 4, "h2", "transformers")),
    )
    row = FindingRow(
        fingerprint="whole",
        rule="DEP001",
        slug="unpinned-dependency",
        category=Category.DEPENDENCY,
        severity=Severity.MEDIUM,
        path="requirements.txt",
        line=3,
        message="unpinned",
        effort_minutes=10,
        occurrences=[{"fingerprint": "h1", "line": 3, "reach": 12}, {"fingerprint": "h2", "line": 4}],
    )

    debts = book.debts_of([finding], {"requirements.txt": 12})
    async with sessions.begin() as session:
        await book.accrue(session, REPO, debts, _by(1))
        rows = await session.execute(select(LedgerItem.fingerprint, LedgerItem.reach))
        stored = {row.fingerprint: row.reach for row in rows}

    assert [(d.fingerprint, d.reach, d.effort_minutes) for d in debts] == [("h1", 12, 5), ("h2", 12, 5)]
    assert stored == {"h1": 12, "h2": 12}
    assert [d.reach for d in book.debts_of_rows([row])] == [12, 0]  # a hit stored without its reach: unknown
    assert book.debts_of([finding])[0].reach == 0
