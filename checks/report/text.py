"""The review for a terminal: findings grouped by file, then the paid debt, then a one-line total."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby

from checks.defaults import CONFIG_PATH
from checks.finding import Finding, Occurrence, Severity
from checks.policy import Conclusion
from checks.report.common import clean, headline
from checks.runner import ReviewResult

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_SEVERITY_COLOR = {
    Severity.HIGH: "\x1b[31m",  # red
    Severity.MEDIUM: "\x1b[33m",  # yellow
    Severity.LOW: "\x1b[36m",  # cyan
    Severity.INFO: _DIM,
}
_CONCLUSION_COLOR = {
    Conclusion.SUCCESS: "\x1b[32m",  # green
    Conclusion.NEUTRAL: "\x1b[33m",
    Conclusion.FAILURE: "\x1b[31m",
}
MESSAGE_LIMIT = 200


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if self.color else text


def render_text(result: ReviewResult, *, color: bool = False) -> str:
    """Plain text; ANSI colours only when `color` (the caller knows whether its output is a terminal)."""
    style = _Style(color)
    out: list[str] = []
    out.extend(_grouped(result.findings, style))
    if result.paid:
        out.append(style("Paid off by this change:", _BOLD))
        out.extend(f"  {clean(f.path)}{_where(f)}  {f.rule} {f.slug}  {f.effort_minutes} min" for f in result.paid)
        out.append("")
    if result.verdict.reasons:
        out.append(style("Fails the policy:", _BOLD))
        out.extend(f"  - {reason}" for reason in result.verdict.reasons)
        out.append(
            f"  Fix the findings, or acknowledge debt taken on purpose: `debtbot: ignore[CODE] reason` in a comment "
            f"on the line, or an `accept:` entry in {CONFIG_PATH} on the base branch."
        )
        out.append("")
    out.append(style(f"debtbot: {headline(result)}", _CONCLUSION_COLOR[result.conclusion]))
    return "\n".join(out) + "\n"


def _grouped(findings: Iterable[Finding], style: _Style) -> list[str]:
    out: list[str] = []
    ordered = sorted(findings, key=lambda f: (f.path, f.line or 0, f.rule))
    for path, members in groupby(ordered, key=lambda f: f.path):
        out.append(style(clean(path), _BOLD))
        for f in members:
            where = f"{f.line}:" if f.line is not None else "-"
            severity = style(f"{f.severity.value:<6}", _SEVERITY_COLOR[f.severity])
            if len(f.occurrences) > 1:
                count = len(f.occurrences)
                out.append(f"  {where:<6} {severity} {f.rule} {f.slug}: {count} occurrences ({f.effort_minutes} min)")
                out.extend(
                    f"         {o.line if o.line is not None else '-'}: {_own_severity(f, o, style)}"
                    f"{clean(o.message, MESSAGE_LIMIT)}"
                    for o in f.occurrences
                )
            else:
                out.append(
                    f"  {where:<6} {severity} {f.rule} {f.slug}: {clean(f.message, MESSAGE_LIMIT)} "
                    f"({f.effort_minutes} min)"
                )
            if f.acknowledged is not None:
                out.append(style(f"         acknowledged, {clean(f.acknowledged, MESSAGE_LIMIT)}", _DIM))
            else:
                out.append(style(f"         fix: {f.remediation}", _DIM))
        out.append("")
    return out


def _where(f: Finding) -> str:
    return f":{f.line}" if f.line is not None else ""


def _own_severity(f: Finding, o: Occurrence, style: _Style) -> str:
    """An occurrence less grave than its finding says so (`info `), as the finding's line shows the gravest."""
    severity = f.severity_of(o)
    return "" if severity is f.severity else style(f"({severity.value}) ", _SEVERITY_COLOR[severity])
