"""Inline review comments: which findings get one, their bodies, and the hidden fingerprint marker.

A review comment must sit on a line inside a diff hunk (RIGHT side: an added or context line by its
new number): one bad anchor fails the whole review with a 422, so every anchor is checked against the
parsed diff. Each body ends with `<!-- debtbot:fp=<fingerprint> -->`; the fingerprints read back from
the pull request's comments keep a finding from being commented twice, even when the database is lost.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.publish.limits import MAX_OUTPUT_CHARS, cut
from bot.publish.links import Links
from bot.publish.occurrences import minutes_each, occurrences
from checks.config import CONFIG_PATH, Comments
from checks.diff import Diff
from checks.finding import Finding, Occurrence
from checks.report.catalog import fenced
from checks.report.common import accept_entry, clean, inline_ignore, plural
from checks.report.markdown import SEVERITY_ICON, escape

DEFAULT_MAX_INLINE = Comments().max_inline
MARKER = "<!-- debtbot:fp={fingerprint} -->"
_MARKER = re.compile(r"<!--\s*debtbot:fp=([0-9A-Za-z_-]{1,128})\s*-->")
_MESSAGE_LIMIT = 2000


@dataclass(frozen=True)
class Candidate:
    """One occurrence of a finding: what an inline comment is about."""

    finding: Finding
    occurrence: Occurrence

    @property
    def fingerprint(self) -> str:
        return self.occurrence.fingerprint


@dataclass(frozen=True)
class ReviewComment:
    path: str
    line: int
    body: str
    candidate: Candidate

    @property
    def fingerprint(self) -> str:
        return self.candidate.fingerprint

    def payload(self) -> dict[str, Any]:
        """The comment as `POST /repos/{o}/{r}/pulls/{n}/reviews` takes it in `comments`."""
        return {"path": self.path, "line": self.line, "side": "RIGHT", "body": self.body}


@dataclass(frozen=True)
class CommentPlan:
    """The inline comments of one review, and what was not commented inline (so the summary can say so)."""

    comments: tuple[ReviewComment, ...]
    #: Anchored, but past the per-review limit.
    over_limit: tuple[Candidate, ...] = ()
    #: No line (file-level), or a line outside the diff's hunks, or refused by GitHub.
    unanchored: tuple[Candidate, ...] = ()
    already_posted: int = 0
    acknowledged: int = 0

    @property
    def left_out(self) -> int:
        """Findings that are only in the check run."""
        return len(self.over_limit) + len(self.unanchored)

    def held_back(self) -> CommentPlan:
        """The plan without inline comments: they join the ones past the limit (the change has its review already)."""
        held = tuple(c.candidate for c in self.comments)
        return dataclasses.replace(self, comments=(), over_limit=held + self.over_limit)

    def without(self, bad: Iterable[str | int]) -> CommentPlan:
        """The plan after GitHub refused some comments (422): those move to `unanchored`."""
        kept = drop_comments(self.comments, bad)
        dropped = tuple(c.candidate for c in self.comments if c not in kept)
        return dataclasses.replace(self, comments=kept, unanchored=self.unanchored + dropped)


def choose_comments(
    findings: Iterable[Finding],
    diff: Diff,
    links: Links,
    *,
    posted: Collection[str] = frozenset(),
    max_inline: int = DEFAULT_MAX_INLINE,
) -> CommentPlan:
    """Inline comments for the findings' occurrences that anchor in `diff`, most severe first, at most `max_inline`.

    Acknowledged findings get none (they are listed in the check run), nor does an occurrence whose
    fingerprint is in `posted`. Among equally severe ones, every finding's first occurrence comes before
    any finding's second, so one noisy file does not take every comment.
    """
    patches = {p.path: p for p in diff}
    ranked: list[tuple[tuple[int, int, str, int], Candidate, int]] = []
    unanchored: list[Candidate] = []
    already = acknowledged = 0
    seen: set[str] = set()
    for f in findings:
        if f.acknowledged is not None:
            acknowledged += 1
            continue
        for index, occurrence in enumerate(occurrences(f)):
            candidate = Candidate(f, occurrence)
            if occurrence.fingerprint in posted or occurrence.fingerprint in seen:
                already += 1
                continue
            seen.add(occurrence.fingerprint)
            patch = patches.get(f.path)
            if occurrence.line is None or patch is None or not patch.anchors(occurrence.line):
                unanchored.append(candidate)
                continue
            ranked.append(
                ((-f.severity_of(occurrence).rank, index, f.path, occurrence.line), candidate, occurrence.line)
            )
    ranked.sort(key=lambda entry: entry[0])
    limit = max(0, max_inline)
    return CommentPlan(
        comments=tuple(
            ReviewComment(path=c.finding.path, line=line, body=comment_body(c, links), candidate=c)
            for _, c, line in ranked[:limit]
        ),
        over_limit=tuple(c for _, c, _ in ranked[limit:]),
        unanchored=tuple(unanchored),
        already_posted=already,
        acknowledged=acknowledged,
    )


def comment_body(candidate: Candidate, links: Links) -> str:
    """Severity, rule (linked to its docs), effort, the message, how to fix, how to accept; then the marker."""
    f, occurrence = candidate.finding, candidate.occurrence
    docs = links.rule_docs(f.rule)
    rule = f"**{f.rule}** [`{f.slug}`]({docs})" if docs else f"**{f.rule}** `{f.slug}`"
    minutes = minutes_each(f)
    one = dataclasses.replace(f, fingerprint=occurrence.fingerprint)
    marker = MARKER.format(fingerprint=occurrence.fingerprint)
    severity = f.severity_of(occurrence)
    body = "\n".join(
        [
            f"{SEVERITY_ICON[severity]} **{severity.value}** · {rule} · about {minutes} min to fix",
            "",
            escape(clean(occurrence.message, _MESSAGE_LIMIT)),
            "",
            f"**How to fix**: {clean(f.remediation)}",
            "",
            "<details><summary>Debt taken on purpose?</summary>",
            "",
            f"Say why in a comment on this line or the line above: `{inline_ignore(f)}`, "
            f"or accept it for the repository in `{CONFIG_PATH}` on the base branch:",
            "",
            fenced(accept_entry(one), "yaml"),
            "",
            "</details>",
            "",
        ]
    )
    return cut(body, MAX_OUTPUT_CHARS - len(marker) - 1) + "\n" + marker


def parse_markers(body: str | None) -> set[str]:
    """The fingerprints marked in a comment body (none for another app's or a person's comment)."""
    return set(_MARKER.findall(body or ""))


def posted_fingerprints(bodies: Iterable[str | None]) -> set[str]:
    """Every fingerprint marked in the given comment bodies: pass only the App's own comments."""
    found: set[str] = set()
    for body in bodies:
        found |= parse_markers(body)
    return found


def drop_comments(comments: Sequence[ReviewComment], bad: Iterable[str | int]) -> tuple[ReviewComment, ...]:
    """`comments` without the refused ones: a string names a path, an integer an index in `comments`.

    GitHub's 422 for a review often names no comment; then drop them all (`range(len(comments))`) and
    post the review with its body alone.
    """
    listed = list(bad)
    paths = {b for b in listed if isinstance(b, str)}
    indexes = {b for b in listed if isinstance(b, int)}
    return tuple(c for i, c in enumerate(comments) if i not in indexes and c.path not in paths)


def review_body(plan: CommentPlan, *, check_url: str | None = None) -> str:
    """The review's own body (GitHub requires one for a COMMENT review): what the comments are, what is elsewhere."""
    check = f"[the check run]({check_url})" if check_url else "the check run"
    parts = [f"debtbot: {plural(len(plan.comments), 'new debt finding')} on lines of this change."]
    if plan.left_out:
        parts.append(f"{plural(plan.left_out, 'more finding')} {_verb(plan.left_out)} in {check}.")
    return " ".join(parts)


def review_payload(plan: CommentPlan, head_sha: str, *, check_url: str | None = None) -> dict[str, Any]:
    """The body of `POST /repos/{o}/{r}/pulls/{n}/reviews`, pinned to the reviewed commit."""
    return {
        "commit_id": head_sha,
        "event": "COMMENT",
        "body": review_body(plan, check_url=check_url),
        "comments": [c.payload() for c in plan.comments],
    }


def _verb(count: int) -> str:
    return "is" if count == 1 else "are"
