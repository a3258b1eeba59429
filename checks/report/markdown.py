"""The review as the markdown of a check-run summary or pull-request comment (GitHub caps both at 65,535).

Every piece of repository text (paths, messages) is escaped: a comment in the code must not turn into
a mention, an image or a broken table. When the findings do not fit, the tables are cut and say so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from checks.defaults import CONFIG_PATH
from checks.finding import Category, Finding, Severity
from checks.lazyre import lazy
from checks.policy import Conclusion
from checks.report.catalog import fenced
from checks.report.common import (
    VERDICT,
    accept_entry,
    clean,
    first_blocking,
    inline_ignore,
    plural,
    totals,
)
from checks.runner import ReviewResult

#: GitHub's limit for a check run's `output.summary` and for an issue or review comment body.
MAX_SUMMARY_CHARS = 65_535
MESSAGE_LIMIT = 300
MAX_WARNINGS = 20
# Room kept for the note that says a table was cut.
_NOTE_ROOM = 400

_ICON = {Conclusion.SUCCESS: "✅", Conclusion.NEUTRAL: "⚠️", Conclusion.FAILURE: "❌"}
_SEVERITY_ICON = {Severity.HIGH: "🔴", Severity.MEDIUM: "🟠", Severity.LOW: "🟡", Severity.INFO: "⚪"}
_MARKDOWN_SPECIAL = lazy(r"([\\`*_{}\[\]<>()#+!|~&])")
_CONFIG_LINE = lazy(r"line (\d+)\b")

#: Given a path and a line, a link to it (the App passes blob URLs; the CLI none).
Linker = Callable[[str, int | None], str | None]


def summary_title(result: ReviewResult) -> str:
    """A short title for the check run: the verdict and the new debt."""
    t = totals(result)
    if not t.findings:
        return "No new debt" + (f", {t.paid_minutes} min paid off" if t.paid else "")
    return f"{plural(t.findings, 'new finding')}, {t.effort_minutes} min of debt: {VERDICT[result.conclusion]}"


def render_markdown(
    result: ReviewResult,
    *,
    limit: int = MAX_SUMMARY_CHARS,
    link: Linker | None = None,
    config_link: Linker | None = None,
) -> str:
    """The summary, at most `limit` characters: tables are cut (and say so) before anything else.

    `config_link` links each config error's location to the config file (the App passes the base
    branch's blob, where the config is read from).
    """
    head = _head(result)
    fixes = _fixes(result.findings)
    warnings = _warnings(result, config_link)
    finding_rows = [_finding_row(f, link) for f in result.findings]
    paid_rows = [_paid_row(f, link) for f in result.paid]

    room = limit - len(head) - len(fixes) - len(warnings) - 2 * _NOTE_ROOM - len(_FINDINGS_HEADER) - len(_PAID_HEADER)
    shown_findings = _fit(finding_rows, room)
    room -= sum(len(r) for r in finding_rows[:shown_findings])
    shown_paid = _fit(paid_rows, room) if shown_findings == len(finding_rows) else 0

    parts = [head]
    if result.findings:
        parts.append(_table(_FINDINGS_HEADER, finding_rows, shown_findings, "finding", limit))
        parts.append(fixes)
    if result.paid:
        parts.append(_table(_PAID_HEADER, paid_rows, shown_paid, "paid finding", limit))
    parts.append(warnings)
    text = "\n\n".join(p.strip("\n") for p in parts if p.strip()) + "\n"
    if len(text) > limit:  # only when `limit` is too small for even the fixed parts
        note = f"\n\n_Cut at {limit:,} characters._\n"
        text = text[: max(0, limit - len(note))] + note
        text = text[:limit]
    return text


_FINDINGS_HEADER = "### New debt\n\n| | rule | where | what | effort |\n|---|---|---|---|---|\n"
_PAID_HEADER = "### Debt paid off\n\n| rule | where | what | effort |\n|---|---|---|---|\n"


def _head(result: ReviewResult) -> str:
    t = totals(result)
    out = [f"## {_ICON[result.conclusion]} debtbot: this change {VERDICT[result.conclusion]}", ""]
    if t.findings or t.paid:
        out.append(
            f"New debt: **{plural(t.findings, 'finding')}**, **{t.effort_minutes} min** to fix"
            + (f" ({t.acknowledged} acknowledged, {t.counted_minutes} min counted)" if t.acknowledged else "")
            + f". Paid off: **{t.paid_minutes} min**. Net: **{t.net_minutes:+d} min**."
        )
        out += ["", "| category | new findings | new debt | paid off |", "|---|---|---|---|"]
        for category, figures in result.by_category().items():
            if figures["findings"] or figures["paid_minutes"]:
                out.append(
                    f"| {category.value} | {figures['findings']} | {figures['effort_minutes']} min | "
                    f"{figures['paid_minutes']} min |"
                )
        out.append(f"| **total** | **{t.findings}** | **{t.effort_minutes} min** | **{t.paid_minutes} min** |")
    else:
        out.append(f"No new debt in {plural(result.files, 'changed file')}.")
    out.append("")
    if result.verdict.reasons:
        out += ["### Why the check fails", ""]
        out += [f"- {_escape(reason)}" for reason in result.verdict.reasons]
        out.append("")
    blocking = first_blocking(result.findings)
    if blocking is not None and result.conclusion is Conclusion.FAILURE:
        out += _how_to_pass(blocking)
    return "\n".join(out) + "\n"


def _how_to_pass(example: Finding) -> list[str]:
    on_line = (
        [f"- on the line, in a comment on it or on the line above: `{inline_ignore(example)}`"]
        if example.line is not None
        else []
    )
    return [
        "**How to pass**: fix the findings below (each says how), or acknowledge debt taken on purpose; "
        "acknowledged debt stays listed but no longer fails the check:",
        "",
        *on_line,
        f"- for the repository, in `{CONFIG_PATH}` on the base branch (a change cannot accept its own debt):",
        "",
        fenced(accept_entry(example), "yaml"),
        "",
    ]


def _fixes(findings: Sequence[Finding]) -> str:
    seen: dict[str, Finding] = {}
    for f in findings:
        if f.counts_against_policy:
            seen.setdefault(f.rule, f)
    if not seen:
        return ""
    lines = ["<details><summary>How to fix each rule</summary>", ""]
    # Remediations are the catalog's own markdown (code spans), not repository text: kept as written.
    lines += [f"- **{f.rule}** `{f.slug}`: {clean(f.remediation)}" for f in sorted(seen.values(), key=_rule_key)]
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def _rule_key(f: Finding) -> tuple[int, str]:
    return (list(Category).index(f.category), f.rule)


def _warnings(result: ReviewResult, config_link: Linker | None = None) -> str:
    lines: list[str] = []
    if result.config_errors:
        lines += [
            f"### Problems in `{CONFIG_PATH}`",
            "",
            "A file that does not validate is replaced by the defaults; fix it on the base branch.",
            "",
        ]
        lines += [
            f"- {_config_location(e.location, config_link)}: {_escape(clean(e.message, MESSAGE_LIMIT))}"
            for e in result.config_errors[:MAX_WARNINGS]
        ]
        lines += _more(len(result.config_errors) - MAX_WARNINGS, "error")
        lines.append("")
    if result.rule_errors:
        lines += ["### Rules that could not run", ""]
        lines += [
            f"- **{e.rule}**" + (f" on `{_code(e.path)}`" if e.path else "") + f": {_escape(clean(e.message, 200))}"
            for e in result.rule_errors[:MAX_WARNINGS]
        ]
        lines += _more(len(result.rule_errors) - MAX_WARNINGS, "error")
        lines.append("")
    return "\n".join(lines)


def _config_location(where: str, link: Linker | None) -> str:
    """A config error's location, linked to its line when it names one (`line 3, column 5`)."""
    shown = f"`{_code(where)}`"
    m = _CONFIG_LINE.match(where)
    url = link(CONFIG_PATH, int(m.group(1)) if m else None) if link is not None else None
    return f"[{shown}]({url})" if url else shown


def _more(count: int, noun: str) -> list[str]:
    return [f"- … and {plural(count, noun)} more"] if count > 0 else []


def _finding_row(f: Finding, link: Linker | None) -> str:
    what = _escape(clean(f.message, MESSAGE_LIMIT))
    if f.acknowledged is not None:
        what += f"<br>_acknowledged: {_escape(clean(f.acknowledged, MESSAGE_LIMIT))}_"
    icon = f"{_SEVERITY_ICON[f.severity]} {f.severity.value}"
    return f"| {icon} | **{f.rule}** `{f.slug}` | {_where(f, link)} | {what} | {f.effort_minutes} min |\n"


def _paid_row(f: Finding, link: Linker | None) -> str:
    what = _escape(clean(f.message, MESSAGE_LIMIT))
    return f"| **{f.rule}** `{f.slug}` | {_where(f, link)} | {what} | {f.effort_minutes} min |\n"


def _where(f: Finding, link: Linker | None) -> str:
    shown = f"`{_code(clean(f.path, 200))}`" + (f" line {f.line}" if f.line is not None else "")
    url = link(f.path, f.line) if link is not None else None
    return f"[{shown}]({url})" if url else shown


def _fit(rows: Sequence[str], room: int) -> int:
    """How many rows fit in `room` characters."""
    used = 0
    for count, row in enumerate(rows):
        used += len(row)
        if used > room:
            return count
    return len(rows)


def _table(header: str, rows: Sequence[str], shown: int, noun: str, limit: int) -> str:
    text = header + "".join(rows[:shown])
    hidden = len(rows) - shown
    if hidden:
        text += (
            f"\n_{plural(hidden, noun)} more not shown: this summary is limited to "
            f"{limit:,} characters. `debtbot review --format json` lists them all._\n"
        )
    return text


def _escape(text: str) -> str:
    """Markdown-inert text for a table cell: no markup, links, HTML, or @mentions."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("@", "&#64;").replace("\n", " ")


def _code(text: str) -> str:
    """Text for an inline code span: backticks and pipes would end the span or the table cell."""
    return text.replace("`", "'").replace("|", "\\|")


#: The same escaping and icons for the App's review comments (bot/publish), under public names.
escape = _escape
code_text = _code
SEVERITY_ICON = _SEVERITY_ICON
