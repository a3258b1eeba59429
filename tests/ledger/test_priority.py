"""The priority formula: each factor moves the score the way the docs say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.ledger.priority import MAX_AGE_WEEKS, priority, reach_factor
from checks.finding import Category, Severity

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def _score(
    severity: Severity = Severity.MEDIUM, category: Category = Category.CODE, reach: int = 0, weeks: float = 0
) -> float:
    return priority(severity=severity, category=category, reach=reach, accrued_at=NOW - timedelta(weeks=weeks), now=NOW)


def test_a_new_medium_item_nothing_depends_on_scores_its_impact() -> None:
    assert _score() == 4.0


def test_higher_severity_ranks_higher() -> None:
    scores = [_score(severity=s) for s in (Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH)]
    assert scores == sorted(scores)
    assert len(set(scores)) == 4


def test_reach_grows_slowly_with_dependents() -> None:
    assert reach_factor(0) == 1.0
    assert reach_factor(1) == 2.0
    assert reach_factor(3) == 3.0
    assert reach_factor(-5) == 1.0
    assert _score(reach=40) > _score(reach=3) > _score(reach=0)


def test_older_debt_costs_more_and_data_debt_fastest() -> None:
    assert _score(weeks=10) > _score(weeks=1) > _score(weeks=0)
    assert _score(category=Category.DATA, weeks=10) > _score(category=Category.CODE, weeks=10)


def test_interest_stops_at_two_years_and_never_runs_backwards() -> None:
    assert _score(weeks=MAX_AGE_WEEKS) == _score(weeks=MAX_AGE_WEEKS * 3)
    assert _score(weeks=-3) == _score(weeks=0)
