"""A finding is as grave as its gravest line; each line keeps its own severity wherever it is shown."""

from __future__ import annotations

import json

from bot.publish.check_run import Level, annotations_of
from bot.publish.comments import choose_comments
from bot.publish.links import Links
from checks import review
from checks.config import Config, Policy
from checks.diff import parse_diff
from checks.finding import Finding, Severity
from checks.report import render_json, render_sarif, render_text
from checks.runner import ReviewResult

#: A TODO (low), a FIXME (medium) and a TODO again in one file: one CODE001 finding of three lines.
DIFF = """diff --git a/src/train.py b/src/train.py
new file mode 100644
--- /dev/null
+++ b/src/train.py
@@ -0,0 +1,3 @@
+x = 1  # TODO: tune
+y = 2  # FIXME: only converges when halved
+z = 3  # TODO: log it
"""


def _finding(policy: Policy | None = None) -> tuple[Finding, ReviewResult]:
    result = review(DIFF, config=Config(policy=policy or Policy()))
    (finding,) = [f for f in result.findings if f.rule == "CODE001"]
    return finding, result


def test_the_finding_is_as_grave_as_its_gravest_line_and_each_line_keeps_its_own() -> None:
    finding, _ = _finding()
    assert finding.severity is Severity.MEDIUM
    assert [(o.line, finding.severity_of(o)) for o in finding.occurrences] == [
        (1, Severity.LOW),
        (2, Severity.MEDIUM),
        (3, Severity.LOW),
    ]


def test_json_and_sarif_give_each_line_its_severity() -> None:
    _, result = _finding()
    (record,) = [f for f in json.loads(render_json(result))["findings"] if f["rule"] == "CODE001"]
    assert [o["severity"] for o in record["occurrences"]] == ["low", "medium", "low"]
    results = json.loads(render_sarif(result))["runs"][0]["results"]
    mine = [r for r in results if r["ruleId"] == "CODE001"]
    assert [(r["level"], r["properties"]["severity"]) for r in mine] == [
        ("note", "low"),
        ("warning", "medium"),
        ("note", "low"),
    ]


def test_the_terminal_names_a_line_less_grave_than_its_finding() -> None:
    _, result = _finding()
    text = render_text(result)
    assert "1: (low) TODO comment" in text
    assert "2: FIXME comment" in text


def test_only_the_line_that_fails_the_policy_is_a_failing_annotation() -> None:
    finding, _ = _finding(Policy(fail_on=Severity.MEDIUM))
    levels = [(a.start_line, a.level) for a in annotations_of([finding], policy=Policy(fail_on=Severity.MEDIUM))]
    assert levels == [(1, Level.WARNING), (2, Level.FAILURE), (3, Level.WARNING)]


def test_an_inline_comment_names_its_own_lines_severity_and_the_gravest_comes_first() -> None:
    finding, _ = _finding()
    links = Links(repo="o/r", head_sha="a" * 40, base_ref="main", head_ref="h")
    plan = choose_comments([finding], parse_diff(DIFF), links, max_inline=3)
    assert [c.line for c in plan.comments] == [2, 1, 3]
    assert ["**medium**" in c.body for c in plan.comments] == [True, False, False]
    assert all("**low**" in c.body for c in plan.comments[1:])
