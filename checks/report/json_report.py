"""The review as one JSON object: every finding, the paid debt, the totals and the conclusion."""

from __future__ import annotations

import json
from typing import Any

from checks.finding import Finding
from checks.report.common import totals
from checks.runner import ReviewResult


def finding_record(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "slug": f.slug,
        "category": f.category.value,
        "severity": f.severity.value,
        "path": f.path,
        "line": f.line,
        "end_line": f.end_line,
        "lines": list(f.lines),
        "message": f.message,
        "remediation": f.remediation,
        "effort_minutes": f.effort_minutes,
        "fingerprint": f.fingerprint,
        "acknowledged": f.acknowledged,
        "occurrences": [
            {
                "line": o.line,
                "end_line": o.end_line,
                "severity": f.severity_of(o).value,
                "fingerprint": o.fingerprint,
                "message": o.message,
            }
            for o in f.occurrences
        ],
    }


def result_record(result: ReviewResult) -> dict[str, Any]:
    t = totals(result)
    return {
        "findings": [finding_record(f) for f in result.findings],
        "paid": [finding_record(f) for f in result.paid],
        "summary": {
            "by_category": {category.value: dict(figures) for category, figures in result.by_category().items()},
            "findings": t.findings,
            "acknowledged": t.acknowledged,
            "effort_minutes": t.effort_minutes,
            "counted_minutes": t.counted_minutes,
            "paid": t.paid,
            "paid_minutes": t.paid_minutes,
            "net_minutes": t.net_minutes,
            "files": result.files,
        },
        "conclusion": result.conclusion.value,
        "reasons": list(result.verdict.reasons),
        "config_errors": [{"location": e.location, "message": e.message} for e in result.config_errors],
        "rule_errors": [{"rule": e.rule, "path": e.path, "message": e.message} for e in result.rule_errors],
    }


def render_json(result: ReviewResult) -> str:
    """The record with each top-level key on its own line, and each finding of a list on its own line.

    Every value is written by the json module's C encoder, which `indent` would turn off: indenting a release
    diff's 600 findings in Python took twice as long as the whole report does now. A finding per line still
    reads, and greps, one at a time.
    """
    record = result_record(result)
    lines = ["{"]
    for n, (key, value) in enumerate(record.items()):
        comma = "," if n < len(record) - 1 else ""
        if isinstance(value, list) and value:
            items = ",\n".join(f"    {_compact(item)}" for item in value)
            lines.append(f"  {_compact(key)}: [\n{items}\n  ]{comma}")
        else:
            lines.append(f"  {_compact(key)}: {_compact(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
