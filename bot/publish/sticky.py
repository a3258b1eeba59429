"""The sticky summary: one pull-request comment, found again by its hidden marker and edited in place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from bot.publish.comments import CommentPlan
from bot.publish.limits import MAX_OUTPUT_CHARS, cut
from bot.publish.links import Links
from checks.policy import Conclusion
from checks.report.common import VERDICT, headline, plural
from checks.report.markdown import render_markdown
from checks.runner import ReviewResult

MARKER = "<!-- debtbot:summary -->"
#: `comments.sticky_summary` in `.github/debtbot.yml`.
StickyMode = Literal["always", "on_failure", "never"]


class StickyAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    #: Edit the existing comment to say the debt policy passes now.
    RESOLVE = "resolve"
    NOTHING = "nothing"


@dataclass(frozen=True)
class PostedComment:
    """An existing comment on the pull request, as listed by the issue comments API."""

    id: int
    body: str | None
    author: str | None = None


def should_post(mode: StickyMode, conclusion: Conclusion, exists: bool) -> StickyAction:
    """What to do with the sticky comment after a completed review.

    always: create or update it. on_failure: create or update it while the change fails the policy;
    once it passes, edit the existing one to say so (and post none if there was none). never: leave
    everything alone. A review that did not complete says nothing about the policy: do not call this then.
    """
    if mode == "never":
        return StickyAction.NOTHING
    if mode == "always" or conclusion is Conclusion.FAILURE:
        return StickyAction.UPDATE if exists else StickyAction.CREATE
    return StickyAction.RESOLVE if exists else StickyAction.NOTHING


def find_sticky(comments: Iterable[PostedComment], *, author: str | None = None) -> int | None:
    """The id of the sticky comment: the oldest that carries the marker (by `author`, when given)."""
    ids = [c.id for c in comments if c.body is not None and MARKER in c.body and (author is None or c.author == author)]
    return min(ids, default=None)


def sticky_body(
    result: ReviewResult, links: Links, *, plan: CommentPlan | None = None, check_url: str | None = None
) -> str:
    """The summary comment: the review's summary, then which commit it is about and where the rest is."""
    footer = _footer(links, plan, check_url)
    room = MAX_OUTPUT_CHARS - len(MARKER) - len(footer) - 2
    summary = render_markdown(result, limit=room, link=links.blob, config_link=links.config).rstrip("\n")
    return cut(f"{MARKER}\n{summary}\n{footer}", MAX_OUTPUT_CHARS)


def resolved_body(result: ReviewResult, links: Links, *, check_url: str | None = None) -> str:
    """The sticky comment once the change passes the policy: short, and says which commit resolved it."""
    icon = "✅"
    lines = [
        MARKER,
        f"## {icon} debtbot: resolved",
        "",
        f"As of commit {links.head_sha[:12]}, this change {VERDICT[result.conclusion]}: {headline(result)}.",
    ]
    if check_url:
        lines += ["", f"Details in [the check run]({check_url})."]
    return cut("\n".join(lines) + "\n", MAX_OUTPUT_CHARS)


def _footer(links: Links, plan: CommentPlan | None, check_url: str | None) -> str:
    check = f"[the check run]({check_url})" if check_url else "the check run"
    lines = ["", "---", f"_Reviewed commit {links.head_sha[:12]}; this comment is updated on every push._"]
    if plan is not None and plan.left_out:
        lines.append(f"_{plural(plan.left_out, 'finding')} without an inline comment: see {check}._")
    return "\n".join(lines) + "\n"
