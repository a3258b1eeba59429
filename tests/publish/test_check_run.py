"""The check run: conclusion, title, summary within 65,535, annotations per occurrence in batches of 50."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot.publish.check_run import (
    CHECK_NAME,
    DEFAULT_MAX_ANNOTATIONS,
    Level,
    annotation_level,
    annotations_of,
    incomplete,
    review_report,
    rules_text,
    started,
    too_large,
)
from bot.publish.limits import MAX_ANNOTATION_BYTES, MAX_OUTPUT_CHARS
from bot.publish.links import Links
from checks.config import Config, ConfigError, Policy
from checks.diff import parse_diff
from checks.finding import Severity
from checks.policy import Conclusion
from checks.runner import review
from tests.publish.schemas import assert_valid, request_schema
from tests.report.results import ENGINE_DIFF, assembled, engine_result, every_category, finding

LINKS = Links(repo="octo-org/widgets", head_sha="a" * 40, base_ref="main", head_ref="feature/x")
GHE = Links(
    repo="octo-org/widgets",
    head_sha="b" * 40,
    base_ref="release/2",
    head_ref="fix",
    github_url="https://ghe.example.com/",
)
DEFAULT_POLICY = Policy()


def test_the_conclusion_follows_the_verdict() -> None:
    assert review_report(assembled([]), LINKS, policy=DEFAULT_POLICY).conclusion is Conclusion.SUCCESS
    assert review_report(engine_result(), LINKS, policy=DEFAULT_POLICY).conclusion is Conclusion.NEUTRAL
    failing = review_report(every_category(), LINKS, policy=DEFAULT_POLICY)
    assert (failing.conclusion, failing.name) == (Conclusion.FAILURE, "debtbot")
    assert failing.updates()[-1]["conclusion"] == "failure"


def test_the_title_is_one_line_with_totals_and_config_problems() -> None:
    report = review_report(every_category(), LINKS, policy=DEFAULT_POLICY)

    assert report.title == (
        "5 new findings (85 min), 1 acknowledged, 1 paid finding (15 min); fails the policy; "
        ".github/debtbot.yml has 1 error (defaults used)"
    )
    assert review_report(assembled([]), LINKS, policy=DEFAULT_POLICY).title == (
        "No new debt in 0 changed files; passes the policy"
    )


def test_the_summary_has_totals_paid_debt_and_how_to_pass_with_links_at_the_head() -> None:
    summary = review_report(every_category(), LINKS, policy=DEFAULT_POLICY).summary

    assert "| data | 1 | 30 min | 0 min |" in summary
    assert "| **total** | **5** | **85 min** | **15 min** |" in summary
    assert "### Debt paid off" in summary
    assert "### Why the check fails" in summary
    assert "**How to pass**" in summary
    assert "accept:\n  - fingerprint: " in summary
    head_blob = "https://github.com/octo-org/widgets/blob/" + "a" * 40
    assert f"[`src/load.py` line 7]({head_blob}/src/load.py#L7)" in summary
    assert f"[`data/train.csv`]({head_blob}/data/train.csv)" in summary


def test_a_broken_config_is_shown_with_its_location_on_the_base_branch() -> None:
    result = assembled(
        [],
        config_errors=[
            ConfigError("line 3, column 5", "invalid YAML: mapping values are not allowed here"),
            ConfigError("policy.fail_on", "expected one of info, low, medium, high, never, got 'hgih'"),
        ],
    )

    summary = review_report(result, GHE, policy=DEFAULT_POLICY).summary

    config = "https://ghe.example.com/octo-org/widgets/blob/release/2/.github/debtbot.yml"
    assert "### Problems in `.github/debtbot.yml`" in summary
    assert f"- [`line 3, column 5`]({config}#L3): invalid YAML: mapping values are not allowed here" in summary
    assert f"- [`policy.fail_on`]({config}): expected one of" in summary


def test_a_real_broken_config_reaches_the_check_run() -> None:
    from checks.config import load_config

    loaded = load_config("policy:\n  fail_on: high\n   max_new_debt_minutes: 5\n")
    result = review(ENGINE_DIFF, config=loaded)

    report = review_report(result, LINKS, policy=loaded.config.policy)

    (error,) = result.config_errors
    assert error.location.startswith("line 3")
    assert "/blob/main/.github/debtbot.yml#L3)" in report.summary
    assert report.title.endswith(".github/debtbot.yml has 1 error (defaults used)")


def test_annotations_one_per_occurrence_with_file_level_on_line_1() -> None:
    report = review_report(every_category(), LINKS, policy=DEFAULT_POLICY)

    placed = [(a.path, a.start_line, a.end_line, a.level, a.title) for a in report.annotations]
    assert placed == [
        ("data/train.csv", 1, 1, Level.FAILURE, "DATA001 dataset-in-git (high, file)"),
        ("src/load.py", 7, 7, Level.WARNING, "MODEL006 torch-load-unsafe (medium)"),
        ("requirements.txt", 2, 2, Level.WARNING, "DEP001 unpinned-requirement (medium)"),
        ("src/app.py", 3, 3, Level.WARNING, "CODE001 satd-tag (low)"),
        ("src/app.py", 9, 9, Level.WARNING, "CODE001 satd-tag (low)"),
        ("src/app.py", 12, 12, Level.WARNING, "CODE001 satd-tag (low, acknowledged)"),
    ]
    first = report.annotations[3]
    assert first.message == "TODO comment: later #0\nAbout 15 min to fix."
    assert first.raw_details is not None
    assert first.raw_details.startswith("How to fix: Fix what CODE001 reports.\n\nFingerprint: ")
    assert "debtbot: ignore[CODE001]" in first.raw_details
    assert "Acknowledged, so it does not fail the check: accepted: in #4" in report.annotations[5].message


def test_a_statement_over_several_lines_spans_them() -> None:
    from checks.finding import Occurrence

    base = finding(lines=(4,))
    spanning = dataclasses.replace(base, occurrences=(Occurrence(4, 7, "f" * 24, "call over 4 lines"),))

    (annotation,) = annotations_of([spanning], policy=DEFAULT_POLICY)

    assert (annotation.start_line, annotation.end_line) == (4, 7)


@pytest.mark.parametrize(
    ("severity", "fail_on", "acknowledged", "level"),
    [
        (Severity.HIGH, "high", None, Level.FAILURE),
        (Severity.HIGH, "high", "accepted: later", Level.WARNING),
        (Severity.MEDIUM, "high", None, Level.WARNING),
        (Severity.MEDIUM, "medium", None, Level.FAILURE),
        (Severity.LOW, "high", None, Level.WARNING),
        (Severity.INFO, "high", None, Level.NOTICE),
        (Severity.INFO, "info", None, Level.FAILURE),
        (Severity.HIGH, "never", None, Level.WARNING),
    ],
)
def test_annotation_levels_follow_the_policy(
    severity: Severity, fail_on: str, acknowledged: str | None, level: Level
) -> None:
    f = finding(severity=severity, acknowledged=acknowledged)
    assert annotation_level(f, Policy.model_validate({"fail_on": fail_on})) is level


def test_file_level_findings_are_annotated_only_on_files_that_exist_at_the_head() -> None:
    diff = parse_diff(
        "diff --git a/data/train.csv b/data/train.csv\nnew file mode 100644\n--- /dev/null\n+++ b/data/train.csv\n"
        "@@ -0,0 +1 @@\n+a,b\n"
        "diff --git a/old.bin b/old.bin\ndeleted file mode 100644\nBinary files a/old.bin and /dev/null differ\n"
    )
    findings = [
        finding(rule="DATA001", path="data/train.csv", lines=(None,)),
        finding(rule="DATA001", path="old.bin", lines=(None,)),
        finding(rule="DATA001", path="elsewhere.csv", lines=(None,)),
    ]

    with_diff = [a.path for a in annotations_of(findings, policy=DEFAULT_POLICY, diff=diff)]
    without = [a.path for a in annotations_of(findings, policy=DEFAULT_POLICY)]

    assert with_diff == ["data/train.csv"]
    assert without == ["data/train.csv", "old.bin", "elsewhere.csv"]


def test_annotations_go_in_batches_of_50_and_the_last_request_completes_the_run() -> None:
    result = assembled([finding(lines=tuple(range(1, 121)))])
    report = review_report(result, LINKS, policy=DEFAULT_POLICY)

    updates = report.updates()

    assert [len(u["output"].get("annotations", [])) for u in updates] == [50, 50, 20]
    assert [u["status"] for u in updates] == ["in_progress", "in_progress", "completed"]
    assert ["conclusion" in u for u in updates] == [False, False, True]
    assert {u["output"]["summary"] for u in updates} == {report.summary}
    lines = [a["start_line"] for u in updates for a in u["output"]["annotations"]]
    assert lines == list(range(1, 121))  # each once, in order
    for body in updates:
        assert_valid(body, "checks__update")


def test_a_run_without_annotations_is_one_request() -> None:
    (only,) = review_report(assembled([]), LINKS, policy=DEFAULT_POLICY).updates()

    assert_valid(only, "checks__update")
    assert (only["status"], only["conclusion"], "annotations" in only["output"]) == ("completed", "success", False)


def test_annotations_past_the_cap_are_left_out_and_the_summary_says_so() -> None:
    result = assembled([finding(lines=tuple(range(1, DEFAULT_MAX_ANNOTATIONS + 101)))])

    report = review_report(result, LINKS, policy=DEFAULT_POLICY)
    small = review_report(result, LINKS, policy=DEFAULT_POLICY, max_annotations=3)

    assert len(report.annotations) == DEFAULT_MAX_ANNOTATIONS
    assert "_100 more annotations not shown: a check run shows the first 500 (most severe first)." in report.summary
    assert [a.start_line for a in small.annotations] == [1, 2, 3]
    assert len(small.batches()) == 1


def test_limits_hold_for_a_huge_review() -> None:
    long = "x" * 5000 + " @someone <img src=x>"
    findings = [finding(path=f"src/m{i}.py", lines=(1, 2), message=long) for i in range(3000)]
    result = assembled(findings, paid=findings[:500])

    report = review_report(result, LINKS, policy=DEFAULT_POLICY)

    assert len(report.summary) <= MAX_OUTPUT_CHARS
    assert "findings more not shown: this summary is limited to" in report.summary
    assert "@someone" not in report.summary
    assert all(len(b) <= 50 for b in report.batches())
    assert len(report.title) <= 255
    assert report.text is not None
    assert len(report.text) <= MAX_OUTPUT_CHARS


def test_annotation_text_is_cut_to_64_kb_and_titles_to_255() -> None:
    huge = finding(rule="CODE001", slug="s" * 400, message="é" * 70_000, lines=(2,))

    (annotation,) = annotations_of([huge], policy=DEFAULT_POLICY)

    assert len(annotation.message.encode()) <= MAX_ANNOTATION_BYTES
    assert annotation.message.endswith("…")
    assert len(annotation.title) == 255
    assert annotation.raw_details is not None
    assert len(annotation.raw_details.encode()) <= MAX_ANNOTATION_BYTES


def test_the_text_documents_each_rule_that_fired() -> None:
    text = rules_text(engine_result().findings)

    assert text is not None
    assert text.startswith("## The rules behind these findings\n")
    assert "### CODE001: satd-tag" in text
    assert "**Why it matters.**" in text
    assert rules_text([]) is None
    # A code the catalog does not know has no reference to show.
    assert rules_text([finding(rule="ZZZ999")]) is None


def test_the_payload_is_what_the_checks_api_takes() -> None:
    report = review_report(every_category(), LINKS, policy=DEFAULT_POLICY)

    (body,) = report.updates()

    assert_valid(body, "checks__update")
    assert json.loads(json.dumps(body)) == body  # plain JSON, nothing the gateway must convert
    assert body["output"]["text"] == report.text


def test_the_started_body_creates_an_in_progress_run_on_the_head() -> None:
    body = started("c" * 40, external_id="review:1:7:ccc")

    assert (body["name"], body["head_sha"], body["status"]) == (CHECK_NAME, "c" * 40, "in_progress")
    assert_valid(body, "checks__create")
    assert "head_sha" in request_schema("checks__create")["required"]


def test_too_large_is_neutral_and_says_what_to_do() -> None:
    report = too_large(LINKS, reason="Sorry, the diff exceeded the maximum number of files (300).")

    (body,) = report.updates()

    assert (report.conclusion, report.title) == (Conclusion.NEUTRAL, "Too large to review")
    assert "Sorry, the diff exceeded the maximum number of files \\(300\\)." in report.summary
    assert "does not block the merge" in report.summary
    assert "Split the pull request" in report.summary
    assert "in a checkout of `feature/x`" in report.summary
    assert "```sh\ndebtbot review --base origin/main\n```" in report.summary
    assert 'exclude:\n  - "data/**"' in report.summary
    assert_valid(body, "checks__update")


def test_a_branch_name_with_shell_syntax_is_quoted_in_the_command() -> None:
    links = Links(repo="o/r", head_sha="d" * 40, base_ref="$(touch x)", head_ref="h")

    assert "debtbot review --base 'origin/$(touch x)'" in too_large(links, reason="big").summary


def test_could_not_complete_is_neutral_with_the_reason() -> None:
    report = incomplete(LINKS, reason="GitHub failed (502 on GET /repos/o/r/pulls/7) five times")

    assert report.conclusion is Conclusion.NEUTRAL
    assert report.title == "Could not complete the review: GitHub failed (502 on GET /repos/o/r/pulls/7) five times"
    assert "GitHub failed \\(502 on GET /repos/o/r/pulls/7\\) five times" in report.summary
    assert "**Re-run**" in report.summary
    assert_valid(report.updates()[0], "checks__update")


def test_a_real_review_end_to_end() -> None:
    result = review(ENGINE_DIFF, config=Config())

    report = review_report(result, LINKS, policy=Config().policy, diff=parse_diff(ENGINE_DIFF))

    assert report.conclusion is Conclusion.NEUTRAL
    assert [(a.path, a.start_line, a.level, a.title) for a in report.annotations] == [
        ("src/train.py", 2, Level.WARNING, "CODE001 satd-tag (medium)"),
        ("src/train.py", 3, Level.WARNING, "CODE001 satd-tag (medium, acknowledged)"),
    ]
    assert "| code | 2 | 30 min |" in report.summary
