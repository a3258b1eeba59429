"""What to pay first: each open ledger item's priority, from impact, reach and cost of delay.

    priority = impact x reach x interest

- impact: the item's severity, weighted 1 (info), 2 (low), 4 (medium), 8 (high);
- reach: 1 + log2(1 + files that depend on the item's path): a lock file every build reads, or a module
  imported by 40 files, costs more to leave than a script nothing imports; unknown reach counts as 1;
- interest: (1 + weekly rate) ^ age in weeks, capped at two years: unpaid debt gets dearer the longer it
  stays (data and dependency debt fastest: datasets drift and pinned-nowhere dependencies break without a
  change of ours; code debt slowest).

The effort to pay an item is shown beside its priority, not folded into it: a team decides whether a
high-priority item is worth a long fix, and a cheap item's low effort should not hide its low impact.
"""

from __future__ import annotations

import math
from datetime import datetime

from checks.finding import Category, Severity

IMPACT = {Severity.INFO: 1.0, Severity.LOW: 2.0, Severity.MEDIUM: 4.0, Severity.HIGH: 8.0}
#: Weekly interest rate by category.
INTEREST_PER_WEEK = {
    Category.DATA: 0.03,
    Category.DEPENDENCY: 0.03,
    Category.MODEL: 0.02,
    Category.CODE: 0.01,
}
#: Interest stops growing after this many weeks.
MAX_AGE_WEEKS = 104.0
SECONDS_PER_WEEK = 7 * 24 * 3600


def reach_factor(reach: int) -> float:
    """1 for a path nothing depends on (or unknown), growing slowly with the number of dependents."""
    return 1.0 + math.log2(1 + max(0, reach))


def interest(category: Category, accrued_at: datetime, now: datetime) -> float:
    weeks = min(MAX_AGE_WEEKS, max(0.0, (now - accrued_at).total_seconds() / SECONDS_PER_WEEK))
    return float((1.0 + INTEREST_PER_WEEK[category]) ** weeks)


def priority(*, severity: Severity, category: Category, reach: int, accrued_at: datetime, now: datetime) -> float:
    """The item's priority: higher is paid first. Rounded to two decimals so rankings read stably."""
    return round(IMPACT[severity] * reach_factor(reach) * interest(category, accrued_at, now), 2)
