"""The merge policy: which findings fail the check run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from checks.finding import Finding, Severity

if TYPE_CHECKING:
    from checks.config import Policy
    from checks.defaults import DefaultPolicy


class Conclusion(StrEnum):
    SUCCESS = "success"  # adds no debt
    NEUTRAL = "neutral"  # adds debt within the policy
    FAILURE = "failure"  # breaks the policy: blocks the merge under branch protection


@dataclass(frozen=True)
class Verdict:
    conclusion: Conclusion
    reasons: tuple[str, ...]
    new_minutes: int
    paid_minutes: int

    @property
    def net_minutes(self) -> int:
        return self.new_minutes - self.paid_minutes


def decide(findings: Sequence[Finding], paid: Sequence[Finding], policy: Policy | DefaultPolicy) -> Verdict:
    counted = [f for f in findings if f.counts_against_policy]
    new_minutes = sum(f.effort_minutes for f in counted)
    paid_minutes = sum(f.effort_minutes for f in paid)
    reasons: list[str] = []
    if isinstance(policy.fail_on, Severity):
        floor = policy.fail_on.rank
        blocking = [f for f in counted if f.severity.rank >= floor]
        if blocking:
            names = ", ".join(sorted({f"{f.rule} ({f.slug})" for f in blocking}))
            reasons.append(f"{len(blocking)} new finding(s) of severity {policy.fail_on} or above: {names}")
    if policy.max_new_debt_minutes is not None:
        measured = new_minutes - paid_minutes if policy.net_of_paid else new_minutes
        if measured > policy.max_new_debt_minutes:
            what = "net new debt" if policy.net_of_paid else "new debt"
            reasons.append(f"{what} of {measured} min exceeds the budget of {policy.max_new_debt_minutes} min")
    if reasons:
        conclusion = Conclusion.FAILURE
    elif findings:
        conclusion = Conclusion.NEUTRAL
    else:
        conclusion = Conclusion.SUCCESS
    return Verdict(conclusion, tuple(reasons), new_minutes, paid_minutes)
