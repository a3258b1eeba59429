"""A finding's occurrences, each published on its own (annotation, inline comment) with its own fingerprint."""

from __future__ import annotations

from checks.finding import Finding, Occurrence


def occurrences(f: Finding) -> tuple[Occurrence, ...]:
    """The finding's occurrences; a finding built without any stands for its one occurrence."""
    return f.occurrences or (Occurrence(f.line, f.end_line, f.fingerprint, f.message),)


def minutes_each(f: Finding) -> int:
    """The remediation effort of one occurrence (a finding's effort is the rule's effort times its count)."""
    return f.effort_minutes // len(occurrences(f))
