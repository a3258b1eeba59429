"""The check-run / pull-request summary: totals, reasons, how to pass, tables, escaping, the 65,535 limit."""

from __future__ import annotations

import re

from checks.finding import Severity
from checks.report import MAX_SUMMARY_CHARS, render_markdown, summary_title
from tests.report.results import assembled, engine_result, every_category, finding


def test_the_verdict_and_totals_by_category() -> None:
    out = render_markdown(every_category())
    assert out.startswith("## ❌ debtbot: this change fails the debt policy\n")
    assert "| data | 1 | 30 min | 0 min |" in out
    assert "| code | 2 | 45 min | 15 min |" in out
    assert "| **total** | **5** | **85 min** | **15 min** |" in out
    assert "Paid off: **15 min**" in out
    assert "| model |" in out
    assert "dependency" in out


def test_a_failure_says_why_and_how_to_pass() -> None:
    out = render_markdown(every_category())
    assert "### Why the check fails" in out
    assert "DATA001 \\(dataset-in-git\\)" in out
    assert "**How to pass**" in out
    # The example is the most severe blocking finding: a file-level one, so no inline suppression is offered.
    assert "debtbot: ignore[" not in out
    assert "accept:\n  - fingerprint: " in out
    engine = render_markdown(engine_result(policy=None))
    assert "How to pass" not in engine  # neutral: nothing to pass


def test_an_inline_suppression_is_offered_for_a_line_finding() -> None:
    result = assembled([finding(severity=Severity.HIGH, lines=(4,))])
    assert "`debtbot: ignore[CODE001] <why this debt is acceptable>`" in render_markdown(result)


def test_findings_and_paid_tables() -> None:
    out = render_markdown(every_category())
    dataset_row = (
        "| 🔴 high | **DATA001** `dataset-in-git` | `data/train.csv` | 12 MB dataset committed to git | 30 min |"
    )
    assert dataset_row in out
    assert "`requirements.txt` line 2" in out
    assert "_acknowledged: accepted: in \\#4_" in out
    assert "### Debt paid off" in out
    assert "| **CODE001** `satd-tag` | `src/old.py` line 1 | FIXME comment: gone | 15 min |" in out
    assert "- **DEP001** `unpinned-requirement`: Fix what DEP001 reports." in out


def test_config_and_rule_errors_are_shown() -> None:
    out = render_markdown(every_category())
    assert "### Problems in `.github/debtbot.yml`" in out
    assert "`policy.fail_on`" in out
    assert "**CODE014** on `src/broken.py`: ValueError: boom" in out


def test_no_debt() -> None:
    out = render_markdown(assembled([]))
    assert out.startswith("## ✅ debtbot: this change adds no new debt\n")
    assert "### New debt" not in out
    assert summary_title(assembled([])) == "No new debt"


def test_repository_text_cannot_mention_link_or_break_the_table() -> None:
    hostile = finding(
        path="src/a|b`c.py",
        message="TODO @octocat see ![x](https://example.com/t.png) <img src=x> | cell",
    )
    out = render_markdown(assembled([hostile]))
    row = next(line for line in out.splitlines() if "CODE001" in line and line.startswith("| "))
    assert "@octocat" not in out
    assert "&#64;octocat" in row
    assert "![x](" not in row
    assert re.search(r"(?<!\\)<img", row) is None  # shown as text, never as HTML
    assert row.count(" | ") == 4  # still five cells: the pipes in the text are escaped


def test_a_huge_review_is_cut_within_the_limit_and_says_so() -> None:
    many = [finding(path=f"src/module_{i:05}.py", message="TODO comment: " + "x" * 200) for i in range(3000)]
    result = assembled(many, paid=many[:50])
    out = render_markdown(result)
    assert len(out) <= MAX_SUMMARY_CHARS
    assert "more not shown: this summary is limited to 65,535 characters" in out
    assert "src/module_00000.py" in out
    assert "| **total** | **3000** |" in out  # the totals cover every finding


def test_a_small_limit_is_kept() -> None:
    out = render_markdown(every_category(), limit=1000)
    assert len(out) <= 1000
    assert "Cut at 1,000 characters" in out


def test_the_title_names_the_debt() -> None:
    assert summary_title(every_category()) == "5 new findings, 85 min of debt: fails the debt policy"


def test_locations_link_where_the_caller_says() -> None:
    def blob(path: str, line: int | None) -> str:
        return f"https://example.com/blob/abc/{path}" + (f"#L{line}" if line else "")

    out = render_markdown(every_category(), link=blob)
    assert "[`requirements.txt` line 2](https://example.com/blob/abc/requirements.txt#L2)" in out
    assert "[`data/train.csv`](https://example.com/blob/abc/data/train.csv)" in out
