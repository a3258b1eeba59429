"""The terminal report: grouped by file, coloured only when asked, safe from control characters."""

from __future__ import annotations

from checks.report import render_text
from tests.report.results import assembled, engine_result, every_category, finding

ESC = "\x1b["


def test_grouped_by_file_in_path_order() -> None:
    out = render_text(every_category())
    headers = [line for line in out.splitlines() if line and not line.startswith(" ") and ":" not in line]
    assert headers == ["data/train.csv", "requirements.txt", "src/app.py", "src/load.py"]


def test_each_finding_has_its_line_rule_and_fix() -> None:
    out = render_text(every_category())
    assert "  2:     medium DEP001 unpinned-requirement: pandas is not pinned (5 min)" in out
    assert "  -      high   DATA001 dataset-in-git: 12 MB dataset committed to git (30 min)" in out
    assert "fix: Fix what DEP001 reports." in out
    assert "acknowledged, accepted: in #4" in out


def test_several_occurrences_are_listed_under_their_finding() -> None:
    out = render_text(every_category()).splitlines()
    start = out.index("  3:     low    CODE001 satd-tag: 2 occurrences (30 min)")
    assert out[start + 1 : start + 3] == ["         3: TODO comment: later #0", "         9: TODO comment: later #1"]


def test_paid_debt_and_reasons_are_listed() -> None:
    out = render_text(every_category())
    assert "Paid off by this change:\n  src/old.py:1  CODE001 satd-tag  15 min" in out
    assert "Fails the policy:\n  - " in out


def test_ends_with_a_one_line_total() -> None:
    last = render_text(every_category()).rstrip("\n").splitlines()[-1]
    assert last == "debtbot: 5 new findings (85 min), 1 acknowledged, 1 paid finding (15 min); fails the policy"
    assert render_text(assembled([])).splitlines()[-1] == "debtbot: no new debt in 0 changed files; passes the policy"
    assert render_text(engine_result()).endswith("passes the policy\n")


def test_colour_only_when_asked() -> None:
    result = every_category()
    assert ESC not in render_text(result)
    coloured = render_text(result, color=True)
    assert f"{ESC}31mhigh  " in coloured  # high severity in red
    assert coloured.rstrip("\n").splitlines()[-1].startswith(f"{ESC}31mdebtbot: ")  # a failure in red


def test_control_characters_in_repository_text_are_neutralised() -> None:
    hostile = finding(path="src/a\x1b[2Jb.py", message="TODO \x1b]0;title\x07 done")
    out = render_text(assembled([hostile]))
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "src/a?[2Jb.py" in out
