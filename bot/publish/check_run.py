"""A review as the `debtbot` check run: conclusion, title, summary, rule docs and annotations in batches of 50.

Also the check runs that say why there is no review: too large to review, could not complete.
GitHub's limits (Checks API): summary and text 65,535 characters, 50 annotations a request (each
update appends), annotation titles 255 characters, messages and details 64 KB.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.publish.limits import (
    MAX_ANNOTATION_BYTES,
    MAX_ANNOTATION_TITLE_CHARS,
    MAX_ANNOTATIONS_PER_REQUEST,
    MAX_OUTPUT_CHARS,
    cut,
    cut_bytes,
)
from bot.publish.links import Links
from bot.publish.occurrences import minutes_each, occurrences
from checks.config import CONFIG_PATH, Policy
from checks.diff import Diff, FileStatus
from checks.finding import Finding, Occurrence, Severity
from checks.policy import Conclusion
from checks.registry import find
from checks.report.catalog import fenced, rule_markdown
from checks.report.common import accept_entry, clean, headline, inline_ignore, plural
from checks.report.markdown import code_text, escape, render_markdown
from checks.runner import ReviewResult

#: The check run's name: the context a branch protection rule requires.
CHECK_NAME = "debtbot"
#: Annotations per check run at most: each 50 costs a request, and content creation is rate-limited
#: (about 80 a minute per installation). The summary says how many were left out.
DEFAULT_MAX_ANNOTATIONS = 500
_TEXT_NOTE = "\n\n_Cut at {limit:,} characters: {count} more rules are documented in the rules reference._\n"


class Level(StrEnum):
    NOTICE = "notice"
    WARNING = "warning"
    FAILURE = "failure"


@dataclass(frozen=True)
class Annotation:
    path: str
    start_line: int
    end_line: int
    level: Level
    title: str
    message: str
    raw_details: str | None = None

    def payload(self) -> dict[str, Any]:
        """The annotation as the Checks API takes it."""
        out: dict[str, Any] = {
            "path": self.path,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "annotation_level": self.level.value,
            "title": self.title,
            "message": self.message,
        }
        if self.raw_details is not None:
            out["raw_details"] = self.raw_details
        return out


@dataclass(frozen=True)
class CheckRunReport:
    """Everything the check run shows; `updates()` gives the requests that publish it."""

    conclusion: Conclusion
    title: str
    summary: str
    text: str | None = None
    annotations: tuple[Annotation, ...] = ()
    name: str = CHECK_NAME

    def output(self, annotations: Sequence[Annotation] = ()) -> dict[str, Any]:
        """The `output` object of one request, carrying one batch of annotations."""
        out: dict[str, Any] = {"title": self.title, "summary": self.summary}
        if self.text is not None:
            out["text"] = self.text
        if annotations:
            out["annotations"] = [a.payload() for a in annotations]
        return out

    def batches(self) -> list[tuple[Annotation, ...]]:
        """The annotations in request-sized batches of at most 50."""
        size = MAX_ANNOTATIONS_PER_REQUEST
        return [self.annotations[i : i + size] for i in range(0, len(self.annotations), size)]

    def updates(self) -> list[dict[str, Any]]:
        """PATCH bodies for the check run, in order: at least one, the last one completes it.

        Annotations are appended by each update, so every batch is its own request; the run stays
        `in_progress` until the last batch, so no one sees it completed with half its annotations.
        """
        batches = self.batches() or [()]
        bodies: list[dict[str, Any]] = [
            {"name": self.name, "status": "in_progress", "output": self.output(batch)} for batch in batches[:-1]
        ]
        bodies.append(
            {
                "name": self.name,
                "status": "completed",
                "conclusion": self.conclusion.value,
                "output": self.output(batches[-1]),
            }
        )
        return bodies


def started(head_sha: str, *, details_url: str | None = None, external_id: str | None = None) -> dict[str, Any]:
    """The create body of the check run while the review runs (shown as in progress on the pull request)."""
    body: dict[str, Any] = {
        "name": CHECK_NAME,
        "head_sha": head_sha,
        "status": "in_progress",
        "output": {"title": "Reviewing the change", "summary": "debtbot is reviewing this change for new debt."},
    }
    if details_url is not None:
        body["details_url"] = details_url
    if external_id is not None:
        body["external_id"] = external_id
    return body


def review_report(
    result: ReviewResult,
    links: Links,
    *,
    policy: Policy,
    diff: Diff | None = None,
    max_annotations: int = DEFAULT_MAX_ANNOTATIONS,
) -> CheckRunReport:
    """The check run of a completed review.

    `policy` is the config's policy (it says which severities fail the check, so which annotations
    are failures). With `diff`, a file-level finding is annotated (on line 1) only when its file is in
    the diff and still exists at the head; without it, always.
    """
    every = list(annotations_of(result.findings, policy=policy, diff=diff))
    shown = every[: max(0, max_annotations)]
    hidden = len(every) - len(shown)
    note = (
        f"\n_{plural(hidden, 'more annotation')} not shown: a check run shows the first {len(shown):,} "
        "(most severe first). The tables above list every finding; `debtbot review` shows them locally._\n"
        if hidden
        else ""
    )
    summary = render_markdown(
        result, limit=MAX_OUTPUT_CHARS - len(note), link=links.blob, config_link=links.config
    ).rstrip("\n")
    return CheckRunReport(
        conclusion=result.conclusion,
        title=_title(result),
        summary=cut(summary + "\n" + note, MAX_OUTPUT_CHARS),
        text=rules_text(result.findings),
        annotations=tuple(shown),
    )


def _title(result: ReviewResult) -> str:
    line = headline(result)
    title = line[:1].upper() + line[1:]
    if result.config_errors:
        title += f"; {CONFIG_PATH} has {plural(len(result.config_errors), 'error')} (defaults used)"
    return cut(title, MAX_ANNOTATION_TITLE_CHARS)


def annotation_level(f: Finding, policy: Policy) -> Level:
    """failure for a finding that fails the policy by its severity; else warning (medium, low) or notice (info)."""
    fails = isinstance(policy.fail_on, Severity) and f.severity.rank >= policy.fail_on.rank
    if fails and f.counts_against_policy:
        return Level.FAILURE
    # Acknowledged or below the policy's bar: a high finding is still worth more than a notice.
    return Level.NOTICE if f.severity is Severity.INFO else Level.WARNING


def annotations_of(findings: Iterable[Finding], *, policy: Policy, diff: Diff | None = None) -> Iterator[Annotation]:
    """One annotation per occurrence of each finding, in the findings' order (most severe first)."""
    existing = None if diff is None else {p.path for p in diff if p.status is not FileStatus.REMOVED}
    for finding in findings:
        for occurrence in occurrences(finding):
            f = dataclasses.replace(finding, severity=finding.severity_of(occurrence))  # each line as grave as it is
            level = annotation_level(f, policy)
            whole_file = occurrence.line is None
            if whole_file and existing is not None and f.path not in existing:
                continue  # nothing to anchor on: the summary lists it
            start = occurrence.line or 1
            end = max(start, occurrence.end_line or start) if not whole_file else 1
            yield Annotation(
                path=f.path,
                start_line=start,
                end_line=end,
                level=level,
                title=_annotation_title(f, whole_file=whole_file),
                message=_annotation_message(f, occurrence),
                raw_details=_annotation_details(f, occurrence),
            )


def _annotation_title(f: Finding, *, whole_file: bool) -> str:
    notes = [f.severity.value, *(["file"] if whole_file else []), *(["acknowledged"] if f.acknowledged else [])]
    return cut(f"{f.rule} {f.slug} ({', '.join(notes)})", MAX_ANNOTATION_TITLE_CHARS)


def _annotation_message(f: Finding, occurrence: Occurrence) -> str:
    minutes = minutes_each(f)
    lines = [clean(occurrence.message), f"About {minutes} min to fix."]
    if f.acknowledged is not None:
        lines.append(f"Acknowledged, so it does not fail the check: {clean(f.acknowledged)}")
    return cut_bytes("\n".join(lines), MAX_ANNOTATION_BYTES)


def _annotation_details(f: Finding, occurrence: Occurrence) -> str:
    # The accept entry names this occurrence: accepting it never accepts the finding's other lines.
    one = dataclasses.replace(f, fingerprint=occurrence.fingerprint)
    ways = f"an entry in {CONFIG_PATH} on the base branch"
    if occurrence.line is not None:
        ways = f"a comment on the line or the line above: {inline_ignore(f)}\nor {ways}"
    text = (
        f"How to fix: {f.remediation}\n\n"
        f"Fingerprint: {occurrence.fingerprint}\n"
        f"Debt taken on purpose? Acknowledge it with {ways}:\n\n{accept_entry(one)}"
    )
    return cut_bytes(text, MAX_ANNOTATION_BYTES)


def rules_text(findings: Sequence[Finding]) -> str | None:
    """`output.text`: the reference of each rule with new findings (what, why, example, fix), or None."""
    codes = sorted({f.rule for f in findings})
    rules = [r for r in (find(code) for code in codes) if r is not None]
    if not rules:
        return None
    header = "## The rules behind these findings\n"
    sections = [rule_markdown(r) + "\n" for r in rules]
    room = MAX_OUTPUT_CHARS - len(_TEXT_NOTE.format(limit=MAX_OUTPUT_CHARS, count=len(sections)))
    text, shown = header, 0
    for section in sections:
        if len(text) + 1 + len(section) > room:
            break
        text += "\n" + section
        shown += 1
    if shown < len(sections):
        text += _TEXT_NOTE.format(limit=MAX_OUTPUT_CHARS, count=len(sections) - shown)
    return text


def too_large(links: Links, *, reason: str) -> CheckRunReport:
    """Neutral: the change is too large to review, and what the author can do about it."""
    summary = "\n".join(
        [
            "## ⚠️ debtbot: too large to review",
            "",
            escape(clean(reason, 1000)),
            "",
            "Nothing was reviewed, so this check is neutral: it does not block the merge.",
            "",
            "**What you can do**",
            "",
            "- Split the pull request into smaller ones: GitHub sends a diff of at most 20,000 lines, "
            "1 MB or 300 files.",
            f"- Review it locally, in a checkout of `{_code(links.head_ref)}`:",
            "",
            fenced(_local_command(links), "sh"),
            "",
            f"- Exclude what needs no review (datasets, generated or vendored files) in `{CONFIG_PATH}` "
            f"on `{_code(links.base_ref)}`:",
            "",
            fenced('exclude:\n  - "data/**"\n  - "vendor/**"', "yaml"),
            "",
        ]
    )
    return CheckRunReport(
        conclusion=Conclusion.NEUTRAL,
        title="Too large to review",
        summary=cut(summary, MAX_OUTPUT_CHARS),
    )


def incomplete(links: Links, *, reason: str) -> CheckRunReport:
    """Neutral: the review could not complete (GitHub kept failing, the diff could not be read...), and why."""
    summary = "\n".join(
        [
            "## ⚠️ debtbot: could not complete the review",
            "",
            escape(clean(reason, 2000)),
            "",
            "This check is neutral: it does not block the merge. Use **Re-run** on this check to try again, "
            "or review the change locally:",
            "",
            fenced(_local_command(links), "sh"),
            "",
        ]
    )
    return CheckRunReport(
        conclusion=Conclusion.NEUTRAL,
        title=cut(f"Could not complete the review: {clean(reason)}", MAX_ANNOTATION_TITLE_CHARS),
        summary=cut(summary, MAX_OUTPUT_CHARS),
    )


def _local_command(links: Links) -> str:
    # Branch names may hold shell syntax (`$(...)`): quoted, the command is safe to paste.
    return f"debtbot review --base {shlex.quote('origin/' + links.base_ref)}"


def _code(text: str) -> str:
    return code_text(clean(text, 200))
