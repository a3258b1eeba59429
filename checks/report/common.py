"""What every renderer says the same way: totals, the verdict in words, how debt is acknowledged."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from checks.defaults import CONFIG_PATH
from checks.finding import Finding
from checks.lazyre import lazy
from checks.policy import Conclusion
from checks.runner import ReviewResult

#: What the verdict means for the change, in words.
VERDICT = {
    Conclusion.SUCCESS: "adds no new debt",
    Conclusion.NEUTRAL: "adds debt within the policy",
    Conclusion.FAILURE: "fails the debt policy",
}

#: The verdict for the policy, in the fewest words (the end of a one-line total).
POLICY = {
    Conclusion.SUCCESS: "passes the policy",
    Conclusion.NEUTRAL: "passes the policy",
    Conclusion.FAILURE: "fails the policy",
}

#: Prefixes the runner gives `Finding.acknowledged`, to tell an inline suppression from accepted debt.
INLINE_PREFIX = "suppressed inline: "

# Repository text (comments, paths) reaches terminals and pages: keep control characters out of it.
_CONTROL = lazy(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Totals:
    findings: int
    acknowledged: int
    effort_minutes: int
    counted_minutes: int
    paid: int
    paid_minutes: int

    @property
    def net_minutes(self) -> int:
        return self.counted_minutes - self.paid_minutes


def totals(result: ReviewResult) -> Totals:
    return Totals(
        findings=len(result.findings),
        acknowledged=sum(1 for f in result.findings if not f.counts_against_policy),
        effort_minutes=sum(f.effort_minutes for f in result.findings),
        counted_minutes=result.verdict.new_minutes,
        paid=len(result.paid),
        paid_minutes=result.verdict.paid_minutes,
    )


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def headline(result: ReviewResult) -> str:
    """One line: what the change adds and pays, and the verdict."""
    t = totals(result)
    if t.findings:
        added = f"{plural(t.findings, 'new finding')} ({t.effort_minutes} min)"
        if t.acknowledged:
            added += f", {t.acknowledged} acknowledged"
    else:
        added = f"no new debt in {plural(result.files, 'changed file')}"
    paid = f", {plural(t.paid, 'paid finding')} ({t.paid_minutes} min)" if t.paid else ""
    return f"{added}{paid}; {POLICY[result.conclusion]}"


def clean(text: str, limit: int | None = None) -> str:
    """One line of repository text without control characters, cut to `limit` characters."""
    flat = _CONTROL.sub("?", " ".join(text.split()))
    if limit is not None and len(flat) > limit:
        return flat[: limit - 1] + "…"
    return flat


def location(f: Finding) -> str:
    if f.line is None:
        return f.path
    if f.end_line is not None and f.end_line != f.line:
        return f"{f.path}:{f.line}-{f.end_line}"
    return f"{f.path}:{f.line}"


def first_blocking(findings: Iterable[Finding]) -> Finding | None:
    """The most severe finding that counts against the policy (findings come most severe first)."""
    return next((f for f in findings if f.counts_against_policy), None)


def inline_ignore(f: Finding) -> str:
    return f"debtbot: ignore[{f.rule}] <why this debt is acceptable>"


def accept_entry(f: Finding) -> str:
    """A config entry that accepts this finding, for the text that tells how to let debt in on purpose."""
    return (
        f"# {CONFIG_PATH} on the base branch\n"
        "accept:\n"
        f"  - fingerprint: {f.fingerprint}  # {f.rule} in {clean(f.path, 120)}\n"
        '    reason: "why this debt is acceptable, and when it is paid"\n'
        "    # until: 2027-06-30  (optional: the finding counts again after this date)\n"
    )
