"""The review as SARIF 2.1.0, the format GitHub code scanning uploads.

One result per occurrence (each with its own stable fingerprint), so code scanning tracks every line
as its own alert and a new occurrence in the same file does not reopen the others. Acknowledged debt
is a suppressed result, not a missing one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from checks.finding import Finding, Occurrence, Severity
from checks.registry import Rule, catalog
from checks.report.catalog import rule_markdown
from checks.report.common import INLINE_PREFIX
from checks.runner import ReviewResult

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL_NAME = "debtbot"
#: Key of our fingerprint in `partialFingerprints`; bump the version if the fingerprint's recipe changes.
FINGERPRINT_KEY = "debtbot/v1"

LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note", Severity.INFO: "note"}


def render_sarif(
    result: ReviewResult,
    *,
    tool_version: str | None = None,
    rules: Sequence[Rule] | None = None,
) -> str:
    return json.dumps(sarif_log(result, tool_version=tool_version, rules=rules), indent=2, ensure_ascii=False) + "\n"


def sarif_log(
    result: ReviewResult,
    *,
    tool_version: str | None = None,
    rules: Sequence[Rule] | None = None,
) -> dict[str, Any]:
    described = list(rules if rules is not None else catalog())
    index = {r.code: i for i, r in enumerate(described)}
    driver: dict[str, Any] = {"name": TOOL_NAME, "rules": [_descriptor(r) for r in described]}
    if tool_version:
        driver["version"] = tool_version
        driver["semanticVersion"] = tool_version
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "results": [_result(f, o, index.get(f.rule)) for f in result.findings for o in _occurrences(f)],
        "invocations": [_invocation(result)],
        "columnKind": "unicodeCodePoints",
        "properties": {
            "conclusion": result.conclusion.value,
            "reasons": list(result.verdict.reasons),
            "newDebtMinutes": result.verdict.new_minutes,
            "paidDebtMinutes": result.verdict.paid_minutes,
            "paid": [
                {"ruleId": f.rule, "path": f.path, "line": f.line, "effortMinutes": f.effort_minutes}
                for f in result.paid
            ],
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _descriptor(r: Rule) -> dict[str, Any]:
    return {
        "id": r.code,
        "name": r.slug,
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": r.docs.what},
        "help": {"text": f"{r.docs.what}\n\nWhy: {r.docs.why}\n\nFix: {r.remediation}", "markdown": rule_markdown(r)},
        "defaultConfiguration": {"level": LEVEL[r.severity]},
        "properties": {
            "tags": ["technical-debt", r.category.value],
            "category": r.category.value,
            "severity": r.severity.value,
            "effortMinutes": r.effort_minutes,
        },
    }


def _occurrences(f: Finding) -> Sequence[Occurrence]:
    return f.occurrences or (Occurrence(f.line, f.end_line, f.fingerprint, f.message),)


def _result(f: Finding, o: Occurrence, rule_index: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": quote(f.path, safe="/")}}
    if o.line is not None and o.line >= 1:
        region = {"startLine": o.line}
        if o.end_line is not None and o.end_line > o.line:
            region["endLine"] = o.end_line
        physical["region"] = region
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "level": LEVEL[f.severity_of(o)],
        "message": {"text": f"{o.message}\n\nFix: {f.remediation}"},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {FINGERPRINT_KEY: o.fingerprint},
        "properties": {
            "category": f.category.value,
            "severity": f.severity_of(o).value,
            "effortMinutes": f.effort_minutes // max(1, len(f.occurrences)),
            "findingFingerprint": f.fingerprint,
        },
    }
    if rule_index is not None:
        out["ruleIndex"] = rule_index
    if f.acknowledged is not None:
        kind = "inSource" if f.acknowledged.startswith(INLINE_PREFIX) else "external"
        out["suppressions"] = [{"kind": kind, "justification": f.acknowledged}]
    return out


def _invocation(result: ReviewResult) -> dict[str, Any]:
    return {
        "executionSuccessful": True,
        "toolConfigurationNotifications": [
            {"level": "warning", "message": {"text": f"{e.location}: {e.message}"}} for e in result.config_errors
        ],
        "toolExecutionNotifications": [
            {
                "level": "error",
                "message": {"text": f"{e.rule}" + (f" on {e.path}" if e.path else "") + f": {e.message}"},
                **({"descriptor": {"id": e.rule}} if e.rule else {}),
            }
            for e in result.rule_errors
        ],
    }
