"""The sticky summary comment: when to post it, finding it again by its marker, and its body."""

from __future__ import annotations

import pytest

from bot.publish.comments import choose_comments
from bot.publish.limits import MAX_OUTPUT_CHARS
from bot.publish.links import Links
from bot.publish.sticky import (
    MARKER,
    PostedComment,
    StickyAction,
    StickyMode,
    find_sticky,
    resolved_body,
    should_post,
    sticky_body,
)
from checks.config import Comments
from checks.diff import parse_diff
from checks.policy import Conclusion
from tests.report.results import ENGINE_DIFF, assembled, every_category, finding

LINKS = Links(repo="octo-org/widgets", head_sha="0123456789abcdef" * 2 + "01234567", base_ref="main", head_ref="f")
CHECK = "https://github.com/octo-org/widgets/runs/42"

S, N, F = Conclusion.SUCCESS, Conclusion.NEUTRAL, Conclusion.FAILURE


@pytest.mark.parametrize(
    ("mode", "conclusion", "exists", "action"),
    [
        ("always", S, False, StickyAction.CREATE),
        ("always", S, True, StickyAction.UPDATE),
        ("always", F, False, StickyAction.CREATE),
        ("always", N, True, StickyAction.UPDATE),
        ("on_failure", F, False, StickyAction.CREATE),
        ("on_failure", F, True, StickyAction.UPDATE),
        ("on_failure", N, True, StickyAction.RESOLVE),
        ("on_failure", S, True, StickyAction.RESOLVE),
        ("on_failure", S, False, StickyAction.NOTHING),
        ("on_failure", N, False, StickyAction.NOTHING),
        ("never", F, False, StickyAction.NOTHING),
        ("never", F, True, StickyAction.NOTHING),
    ],
)
def test_should_post(mode: StickyMode, conclusion: Conclusion, exists: bool, action: StickyAction) -> None:
    assert should_post(mode, conclusion, exists) is action


def test_the_config_default_is_on_failure() -> None:
    assert should_post(Comments().sticky_summary, Conclusion.SUCCESS, False) is StickyAction.NOTHING


def test_find_sticky_by_marker_the_oldest_first() -> None:
    comments = [
        PostedComment(11, "a person's comment", "octocat"),
        PostedComment(30, f"{MARKER}\nnewer copy", "debtbot[bot]"),
        PostedComment(12, None, "ghost"),
        PostedComment(25, f"{MARKER}\nsummary", "debtbot[bot]"),
        PostedComment(20, f"quoting {MARKER}", "mallory"),
    ]

    assert find_sticky(comments) == 20
    assert find_sticky(comments, author="debtbot[bot]") == 25
    assert find_sticky(comments[:1]) is None
    assert find_sticky([]) is None


def test_the_body_is_the_summary_under_the_marker_with_what_is_not_inline() -> None:
    result = every_category()
    diff = parse_diff(ENGINE_DIFF)  # none of every_category's files: nothing anchors
    plan = choose_comments(result.findings, diff, LINKS)

    body = sticky_body(result, LINKS, plan=plan, check_url=CHECK)

    assert body.startswith(f"{MARKER}\n## ❌ debtbot: this change fails the debt policy\n")
    assert f"[`src/load.py` line 7](https://github.com/octo-org/widgets/blob/{LINKS.head_sha}/src/load.py#L7)" in body
    assert body.endswith(
        "\n---\n_Reviewed commit 0123456789ab; this comment is updated on every push._\n"
        f"_5 findings without an inline comment: see [the check run]({CHECK})._\n"
    )
    assert find_sticky([PostedComment(7, body)]) == 7


def test_a_huge_body_stays_within_githubs_limit_and_keeps_its_marker() -> None:
    findings = [finding(path=f"src/m{i}.py", lines=(1,), message="x" * 3000) for i in range(2000)]

    body = sticky_body(assembled(findings), LINKS)

    assert len(body) <= MAX_OUTPUT_CHARS
    assert body.startswith(MARKER)
    assert "_Reviewed commit 0123456789ab" in body


def test_the_resolved_body_says_which_commit_passes() -> None:
    body = resolved_body(assembled([finding()]), LINKS, check_url=CHECK)

    assert body == (
        f"{MARKER}\n## ✅ debtbot: resolved\n\n"
        "As of commit 0123456789ab, this change adds debt within the policy: "
        "1 new finding (15 min); passes the policy.\n\n"
        f"Details in [the check run]({CHECK}).\n"
    )
    assert resolved_body(assembled([]), LINKS).endswith("no new debt in 0 changed files; passes the policy.\n")
    assert find_sticky([PostedComment(3, body)]) == 3
