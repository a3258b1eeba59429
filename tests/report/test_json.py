"""The JSON report: one object with findings, paid debt, a summary and the conclusion."""

from __future__ import annotations

import dataclasses
import json

from checks.report import render_json
from tests.report.results import assembled, engine_result, every_category

FINDING_KEYS = {
    "rule",
    "slug",
    "category",
    "severity",
    "path",
    "line",
    "end_line",
    "message",
    "remediation",
    "effort_minutes",
    "fingerprint",
}


def test_one_object_with_the_documented_shape() -> None:
    report = json.loads(render_json(every_category()))
    assert set(report) >= {"findings", "paid", "summary", "conclusion"}
    assert report["conclusion"] == "failure"
    for entry in [*report["findings"], *report["paid"]]:
        assert set(entry) >= FINDING_KEYS
    assert set(report["summary"]["by_category"]) == {"data", "model", "dependency", "code"}


def test_the_summary_adds_up() -> None:
    result = every_category()
    report = json.loads(render_json(result))
    summary = report["summary"]
    assert summary["findings"] == len(report["findings"]) == 5
    assert summary["effort_minutes"] == sum(f["effort_minutes"] for f in report["findings"])
    assert summary["effort_minutes"] == sum(c["effort_minutes"] for c in summary["by_category"].values())
    assert summary["acknowledged"] == 1
    assert summary["counted_minutes"] == summary["effort_minutes"] - 15  # the acknowledged TODO is not counted
    assert summary["paid_minutes"] == 15
    assert summary["net_minutes"] == summary["counted_minutes"] - 15
    assert summary["by_category"]["data"] == {"findings": 1, "effort_minutes": 30, "paid_minutes": 0}


def test_findings_keep_their_lines_and_occurrences() -> None:
    report = json.loads(render_json(every_category()))
    todo = next(f for f in report["findings"] if f["rule"] == "CODE001" and f["acknowledged"] is None)
    assert (todo["line"], todo["lines"]) == (3, [3, 9])
    assert [o["line"] for o in todo["occurrences"]] == [3, 9]
    dataset = next(f for f in report["findings"] if f["rule"] == "DATA001")
    assert dataset["line"] is None
    assert dataset["lines"] == []


def test_errors_and_reasons_are_reported() -> None:
    report = json.loads(render_json(every_category()))
    assert report["config_errors"][0]["location"] == "policy.fail_on"
    assert report["rule_errors"] == [{"rule": "CODE014", "path": "src/broken.py", "message": "ValueError: boom"}]
    assert any("DATA001" in reason for reason in report["reasons"])


def test_from_the_engine_with_paid_and_acknowledged_debt() -> None:
    report = json.loads(render_json(engine_result()))
    assert [(f["line"], f["severity"], f["acknowledged"] is not None) for f in report["findings"]] == [
        (2, "medium", False),
        (3, "medium", True),
    ]
    (paid,) = report["paid"]
    assert "remove the warm-up hack" in paid["message"]
    assert report["conclusion"] == "neutral"


def test_no_findings_is_a_success_with_empty_lists() -> None:
    report = json.loads(render_json(assembled([])))
    assert (report["findings"], report["paid"], report["conclusion"]) == ([], [], "success")
    assert report["summary"]["effort_minutes"] == 0


def test_each_finding_is_one_line_and_the_object_is_the_same_as_indented() -> None:
    result = every_category()
    text = render_json(result)
    record = json.loads(text)
    lines = text.splitlines()

    assert record == json.loads(json.dumps(record, indent=2))  # nothing lost to the layout
    assert (lines[0], lines[-1], text.endswith("}\n")) == ("{", "}", True)
    for finding in [*record["findings"], *record["paid"]]:
        own_line = [line for line in lines if f'"fingerprint": "{finding["fingerprint"]}"' in line and '"rule"' in line]
        assert len(own_line) == 1
        assert json.loads(own_line[0].strip().rstrip(",")) == finding
    assert '  "conclusion": "failure",' in lines
    assert all(line.startswith(("{", "}", "  ")) for line in lines)


def test_non_ascii_is_written_as_is() -> None:
    result = assembled([])
    text = render_json(dataclasses.replace(result, verdict=dataclasses.replace(result.verdict, reasons=("café ✓",))))
    assert '"reasons": [\n    "café ✓"\n  ]' in text
    assert json.loads(text)["reasons"] == ["café ✓"]
