"""Inline review comments: valid anchors only, most severe first, at most N, markers that round-trip."""

from __future__ import annotations

import dataclasses
import re

from hypothesis import given
from hypothesis import strategies as st

from bot.publish.comments import (
    DEFAULT_MAX_INLINE,
    CommentPlan,
    choose_comments,
    drop_comments,
    parse_markers,
    posted_fingerprints,
    review_body,
    review_payload,
)
from bot.publish.limits import MAX_OUTPUT_CHARS
from bot.publish.links import Links
from checks.diff import parse_diff
from checks.finding import Severity
from checks.runner import review
from tests.publish.schemas import assert_valid
from tests.report.results import ENGINE_DIFF, finding

LINKS = Links(
    repo="octo-org/widgets",
    head_sha="a" * 40,
    base_ref="main",
    head_ref="feature",
    rules_docs_url="https://docs.example.com/rules",
)

# src/app.py: new lines 1-4 (one hunk) and 20-24 (another); lines 5-19 and 25+ are outside the diff.
DIFF = parse_diff(
    """diff --git a/src/app.py b/src/app.py
--- a/src/app.py
+++ b/src/app.py
@@ -1,3 +1,4 @@
 import os
+x = 1  # TODO: later
 y = 2
 z = 3
@@ -19,5 +20,5 @@ def f():
 a = 1
-b = 2
+b = 3
 c = 4
 d = 5
 e = 6
diff --git a/gone.py b/gone.py
deleted file mode 100644
--- a/gone.py
+++ /dev/null
@@ -1,2 +0,0 @@
-old = 1
-older = 2
"""
)
HUNK_LINES = {1, 2, 3, 4, 20, 21, 22, 23, 24}


def lines_of(plan: CommentPlan) -> list[tuple[str, int]]:
    return [(c.path, c.line) for c in plan.comments]


def test_only_lines_inside_a_hunk_are_commented() -> None:
    findings = [
        finding(path="src/app.py", lines=(2, 5, 21, 30), message="m"),
        finding(path="src/app.py", lines=(None,), message="file-level"),
        finding(path="gone.py", lines=(1,), message="removed file"),
        finding(path="elsewhere.py", lines=(2,), message="not in the diff"),
    ]

    plan = choose_comments(findings, DIFF, LINKS)

    assert lines_of(plan) == [("src/app.py", 2), ("src/app.py", 21)]
    assert [(c.finding.path, c.occurrence.line) for c in plan.unanchored] == [
        ("src/app.py", 5),
        ("src/app.py", 30),
        ("src/app.py", None),
        ("gone.py", 1),
        ("elsewhere.py", 2),
    ]
    assert plan.left_out == 5


def test_context_lines_are_anchors_too() -> None:
    plan = choose_comments([finding(path="src/app.py", lines=(3, 24))], DIFF, LINKS)

    assert lines_of(plan) == [("src/app.py", 3), ("src/app.py", 24)]


@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=30))
def test_no_anchor_is_ever_outside_a_hunk(lines: list[int]) -> None:
    plan = choose_comments([finding(path="src/app.py", lines=tuple(lines))], DIFF, LINKS, max_inline=50)

    assert {c.line for c in plan.comments} <= HUNK_LINES
    assert len(plan.comments) == sum(1 for line in lines if line in HUNK_LINES)


def test_at_most_n_comments_most_severe_first_and_the_rest_is_counted() -> None:
    findings = [
        finding(path="src/app.py", lines=(1, 2, 3, 4), severity=Severity.LOW, message="low"),
        finding(path="src/app.py", lines=(20, 21), severity=Severity.HIGH, message="high"),
        finding(path="src/app.py", lines=(22, 23, 24), severity=Severity.MEDIUM, message="medium"),
    ]

    plan = choose_comments(findings, DIFF, LINKS, max_inline=4)

    assert lines_of(plan) == [("src/app.py", 20), ("src/app.py", 21), ("src/app.py", 22), ("src/app.py", 23)]
    assert [c.occurrence.line for c in plan.over_limit] == [24, 1, 2, 3, 4]
    assert plan.left_out == 5
    assert DEFAULT_MAX_INLINE == 10
    twelve = [*findings, finding(path="src/app.py", lines=(1, 2, 3), message="more")]
    assert (len(choose_comments(twelve, DIFF, LINKS).comments), choose_comments(twelve, DIFF, LINKS).left_out) == (
        10,
        2,
    )
    assert choose_comments(findings, DIFF, LINKS, max_inline=0).comments == ()


def test_every_finding_gets_a_first_comment_before_any_gets_a_second() -> None:
    findings = [
        finding(path="src/app.py", lines=(1, 2, 3), message="first rule", rule="CODE001"),
        finding(path="src/app.py", lines=(20, 21), message="second rule", rule="CODE004"),
    ]

    plan = choose_comments(findings, DIFF, LINKS, max_inline=3)

    assert lines_of(plan) == [("src/app.py", 1), ("src/app.py", 20), ("src/app.py", 2)]


def test_acknowledged_findings_get_no_comment() -> None:
    findings = [finding(path="src/app.py", lines=(2,), acknowledged="suppressed inline: tracked in #4")]

    plan = choose_comments(findings, DIFF, LINKS)

    assert (plan.comments, plan.acknowledged, plan.left_out) == ((), 1, 0)


def test_markers_round_trip_and_posted_fingerprints_are_not_commented_again() -> None:
    findings = [finding(path="src/app.py", lines=(2, 21, 22))]
    first = choose_comments(findings, DIFF, LINKS)

    posted = posted_fingerprints(c.body for c in first.comments[:2])
    again = choose_comments(findings, DIFF, LINKS, posted=posted)

    assert [parse_markers(c.body) for c in first.comments] == [{c.fingerprint} for c in first.comments]
    assert posted == {first.comments[0].fingerprint, first.comments[1].fingerprint}
    assert lines_of(again) == [("src/app.py", 22)]
    assert (again.already_posted, again.left_out) == (2, 0)


def test_parse_markers_reads_only_well_formed_markers() -> None:
    body = (
        "text <!-- debtbot:fp=abc123 --> more\n<!--debtbot:fp=DEF_456-->\n"
        "<!-- debtbot:fp= --> <!-- debtbot:summary --> debtbot:fp=nothtml <!-- debtbot:fp=a b -->"
    )

    assert parse_markers(body) == {"abc123", "DEF_456"}
    assert parse_markers(None) == set()
    assert posted_fingerprints([None, "", body, "<!-- debtbot:fp=zz -->"]) == {"abc123", "DEF_456", "zz"}


def test_the_body_says_what_why_how_and_carries_the_marker() -> None:
    f = finding(
        rule="CODE001",
        slug="satd-tag",
        path="src/app.py",
        lines=(2, 21),
        severity=Severity.MEDIUM,
        message="TODO comment: later",
        effort=15,
    )

    comment = choose_comments([f], DIFF, LINKS).comments[0]
    body = comment.body

    assert body.startswith(
        "🟠 **medium** · **CODE001** [`satd-tag`](https://docs.example.com/rules#code001-satd-tag) · "
        "about 15 min to fix\n\nTODO comment: later \\#0\n\n**How to fix**: Fix what CODE001 reports.\n"
    )
    assert "`debtbot: ignore[CODE001] <why this debt is acceptable>`" in body
    # The accept entry names this occurrence, not the whole finding: accepting it accepts only this line.
    assert f"  - fingerprint: {comment.fingerprint}  # CODE001 in src/app.py" in body
    assert comment.fingerprint == f.occurrences[0].fingerprint != f.fingerprint
    assert body.endswith(f"\n<!-- debtbot:fp={comment.fingerprint} -->")


def test_without_a_docs_page_the_rule_is_named_without_a_link() -> None:
    links = Links(repo="o/r", head_sha="a" * 40, base_ref="main", head_ref="h")

    (comment,) = choose_comments([finding(path="src/app.py", lines=(2,))], DIFF, links).comments

    assert "· **CODE001** `satd-tag` ·" in comment.body


def test_repository_text_cannot_mention_or_inject_html() -> None:
    hostile = finding(path="src/app.py", lines=(2,), message="@everyone <img src=x onerror=y> [link](http://x)")

    (comment,) = choose_comments([hostile], DIFF, LINKS).comments

    assert "@everyone" not in comment.body
    assert "&#64;everyone \\<img src=x onerror=y\\> \\[link\\]\\(http://x\\)" in comment.body


def test_a_huge_body_is_cut_and_keeps_its_marker() -> None:
    f = finding(path="src/app.py", lines=(2,))
    huge = dataclasses.replace(f, remediation="r" * 100_000)

    (comment,) = choose_comments([huge], DIFF, LINKS).comments

    assert len(comment.body) <= MAX_OUTPUT_CHARS
    assert parse_markers(comment.body) == {comment.fingerprint}


def test_drop_comments_by_path_or_index() -> None:
    findings = [finding(path="src/app.py", lines=(2, 21, 22)), finding(path="src/app.py", lines=(3,), message="b")]
    comments = choose_comments(findings, DIFF, LINKS).comments
    assert [c.line for c in comments] == [2, 3, 21, 22]

    assert [c.line for c in drop_comments(comments, [1, 3])] == [2, 21]
    assert drop_comments(comments, ["src/app.py"]) == ()
    assert drop_comments(comments, range(len(comments))) == ()
    assert drop_comments(comments, []) == comments
    bad: list[str | int] = ["other.py", 0]
    assert drop_comments(comments, iter(bad)) == comments[1:]


def test_a_refused_comment_moves_to_the_summary() -> None:
    plan = choose_comments([finding(path="src/app.py", lines=(2, 21))], DIFF, LINKS)

    after = plan.without([0])

    assert [c.line for c in after.comments] == [21]
    assert [c.occurrence.line for c in after.unanchored] == [2]
    assert after.left_out == plan.left_out + 1


def test_comments_held_back_join_the_ones_past_the_limit() -> None:
    plan = choose_comments([finding(path="src/app.py", lines=(1, 2, 3))], DIFF, LINKS, max_inline=2)

    held = plan.held_back()

    assert held.comments == ()
    assert [c.occurrence.line for c in held.over_limit] == [1, 2, 3]
    assert held.left_out == plan.left_out + 2
    assert (held.unanchored, held.already_posted) == (plan.unanchored, plan.already_posted)


def test_the_review_payload_is_what_the_reviews_api_takes() -> None:
    plan = choose_comments([finding(path="src/app.py", lines=(2, 5))], DIFF, LINKS)

    payload = review_payload(plan, "a" * 40, check_url="https://github.com/o/r/runs/1")

    assert_valid(payload, "pulls__create-review")
    assert payload["commit_id"] == "a" * 40
    assert payload["event"] == "COMMENT"
    assert payload["comments"] == [{"path": "src/app.py", "line": 2, "side": "RIGHT", "body": plan.comments[0].body}]
    assert payload["body"] == (
        "debtbot: 1 new debt finding on lines of this change. "
        "1 more finding is in [the check run](https://github.com/o/r/runs/1)."
    )


def test_the_review_body_counts() -> None:
    plan = choose_comments([finding(path="src/app.py", lines=(1, 2, 3, 5, 6))], DIFF, LINKS, max_inline=2)

    assert review_body(plan) == (
        "debtbot: 2 new debt findings on lines of this change. 3 more findings are in the check run."
    )


def test_a_real_review_comments_its_new_line() -> None:
    result = review(ENGINE_DIFF)

    plan = choose_comments(result.findings, parse_diff(ENGINE_DIFF), LINKS)

    (comment,) = plan.comments  # the FIXME on line 2; the HACK on line 3 is suppressed inline
    assert (comment.path, comment.line, plan.acknowledged) == ("src/train.py", 2, 1)
    assert re.search(r"<!-- debtbot:fp=[0-9a-f]{24} -->$", comment.body)
