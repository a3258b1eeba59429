"""The weekly summary as GitHub markdown (the week's comment, the report issue's body) and as JSON.

A quiet week is one line. Otherwise: the week by category, the trend as a Mermaid `xychart-beta` (GitHub renders
Mermaid blocks), the items to pay first linked to their lines, the pull requests that moved the most, and the
acceptances about to end. Repository text (messages, paths, reasons) is escaped: no markup, no HTML, no
@mentions (a weekly report must not ping anyone).
"""

from __future__ import annotations

import math
from datetime import timedelta

from bot.ledger.summary import WeeklySummary
from bot.publish.limits import MAX_OUTPUT_CHARS, cut
from checks.report.common import clean
from checks.report.markdown import SEVERITY_ICON, code_text, escape

#: Hidden in each week's comment: how a retried delivery finds the comment it already posted.
MARKER = "<!-- debtbot:weekly-report week={week} -->"
#: Hidden in the report issue's body.
ISSUE_MARKER = "<!-- debtbot:report-issue -->"
ISSUE_TITLE = "Debt report"
MESSAGE_LIMIT = 120
_NO_CHANGE = "—"
_PRIORITY = (
    "Priority = impact × reach × interest: severity (1, 2, 4, 8), how many files depend on the path, and the "
    "item's age compounded weekly (3% for data and dependency debt, 2% for model debt, 1% for code debt)."
)


def marker(week: str) -> str:
    return MARKER.format(week=week)


def duration(minutes: int) -> str:
    """`45 min`, `1.5 h`, `120 h`: minutes under an hour, hours above (one decimal below a hundred)."""
    if abs(minutes) < 60:
        return f"{minutes} min"
    hours = minutes / 60
    return f"{_number(hours, 1 if abs(hours) < 100 else 0)} h"


def signed(minutes: int) -> str:
    if minutes == 0:
        return "0"
    return ("+" if minutes > 0 else "-") + duration(abs(minutes))


def hours_owed(minutes: int) -> str:
    """`41 hours`, `1 hour`, `0.5 hours`."""
    hours = _number(minutes / 60, 1)
    return f"{hours} hour" if hours == "1" else f"{hours} hours"


def _number(value: float, decimals: int) -> str:
    text = f"{round(value, decimals):.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cell(minutes: int) -> str:
    return duration(minutes) if minutes else _NO_CHANGE


def _period(summary: WeeklySummary) -> str:
    first, last = summary.starts.date(), (summary.ends - timedelta(days=1)).date()
    return f"{first.day} {first:%b} – {last.day} {last:%b %Y} ({summary.timezone})"


def quiet_line(summary: WeeklySummary) -> str:
    return f"No debt added or paid this week; {hours_owed(summary.owed)} owed."


def markdown(summary: WeeklySummary) -> str:
    """The week's comment: one line when nothing moved, the full summary otherwise."""
    if summary.quiet:
        return f"{marker(summary.week)}\n**{summary.week}**: {quiet_line(summary)}\n"
    return f"{marker(summary.week)}\n{_full(summary, level='##')}"


def issue_body(summary: WeeklySummary) -> str:
    """The report issue's description: what the issue is, then the latest summary in full."""
    intro = (
        f"debtbot posts a summary of this repository's technical debt here every week: a comment per week, and "
        f"this description always shows the latest ({summary.week}). Close the issue to stop reading it here; "
        f"the next report opens a new one. Turn reports off with `summary: {{enabled: false}}` in "
        f"`.github/debtbot.yml`."
    )
    return cut(f"{ISSUE_MARKER}\n{intro}\n\n{_full(summary, level='##')}", MAX_OUTPUT_CHARS)


def json_text(summary: WeeklySummary) -> str:
    return summary.model_dump_json(indent=2) + "\n"


def _full(summary: WeeklySummary, *, level: str) -> str:
    sub = level + "#"
    parts = [
        f"{level} Debt report: {summary.week}",
        "",
        f"{_period(summary)} · **{hours_owed(summary.owed)} owed** ({signed(summary.net)} this week)",
        "",
        _categories(summary),
    ]
    if summary.baseline:
        parts += [
            f"_Baseline: {duration(summary.baseline)} the first scan of the repository found, owed before debtbot "
            f"watched it; counted in the total, not as added._",
            "",
        ]
    parts += [f"{sub} Trend, last {len(summary.trend)} weeks", "", mermaid_chart(summary), ""]
    if summary.top_items:
        parts += [f"{sub} Pay first", "", _top_items(summary), "", f"<sub>{_PRIORITY}</sub>", ""]
    if summary.pull_requests:
        parts += [f"{sub} Pull requests that moved the most", "", _pull_requests(summary), ""]
    if summary.expiring:
        parts += [f"{sub} Accepted debt expiring soon", "", _expiring(summary), ""]
    return cut("\n".join(parts).rstrip("\n") + "\n", MAX_OUTPUT_CHARS - 100)


def _categories(summary: WeeklySummary) -> str:
    """Added, paid, net and owed by category; a baseline column only in a week the baseline scan booked debt."""
    with_baseline = summary.baseline > 0
    head = ["category", "added", *(["baseline"] if with_baseline else []), "paid", "net", "owed"]
    rows = ["| " + " | ".join(head) + " |", "|---" + "|--:" * (len(head) - 1) + "|"]
    for c in summary.categories:
        cells = [c.category.value, _cell(c.added), *([_cell(c.baseline)] if with_baseline else [])]
        cells += [_cell(c.paid), signed(c.net) if c.net else _NO_CHANGE, duration(c.owed)]
        rows.append("| " + " | ".join(cells) + " |")
    total = [_cell(summary.added), *([_cell(summary.baseline)] if with_baseline else [])]
    total += [_cell(summary.paid), signed(summary.net), duration(summary.owed)]
    rows.append("| **total** | " + " | ".join(f"**{cell}**" for cell in total) + " |")
    return "\n".join(rows) + "\n"


def mermaid_chart(summary: WeeklySummary) -> str:
    """The total owed at the end of each week, in hours, as a Mermaid line chart."""
    labels = ", ".join(f'"{point.week.split("-")[1]}"' for point in summary.trend)
    values = [round(point.owed / 60, 1) for point in summary.trend]
    low = min(0, math.floor(min(values, default=0)))
    high = max(1, math.ceil(max(values, default=0) * 1.1))
    return "\n".join(
        [
            "```mermaid",
            "xychart-beta",
            '    title "Debt owed (hours)"',
            f"    x-axis [{labels}]",
            f'    y-axis "hours" {low} --> {high}',
            f"    line [{', '.join(_number(v, 1) for v in values)}]",
            "```",
        ]
    )


def _top_items(summary: WeeklySummary) -> str:
    rows = ["| # | priority | debt | where | effort |", "|--:|--:|---|---|--:|"]
    for item in summary.top_items:
        where = f"`{code_text(clean(item.path, 120))}`" + (f" line {item.line}" if item.line is not None else "")
        what = f"{SEVERITY_ICON[item.severity]} **{item.rule}** {escape(clean(item.message, MESSAGE_LIMIT))}"
        if item.accepted:
            what += " _(accepted)_"
        rows.append(
            f"| {item.rank} | {item.priority:g} | {what} | [{where}]({item.url}) | {duration(item.effort_minutes)} |"
        )
    return "\n".join(rows)


def _pull_requests(summary: WeeklySummary) -> str:
    rows = ["| pull request | author | added | paid | net |", "|---|---|--:|--:|--:|"]
    for pr in summary.pull_requests:
        author = escape(clean(pr.author, 60)) if pr.author else _NO_CHANGE
        rows.append(
            f"| [#{pr.number}]({pr.url}) | {author} | {_cell(pr.added)} | {_cell(pr.paid)} | {signed(pr.net)} |"
        )
    return "\n".join(rows)


def _expiring(summary: WeeklySummary) -> str:
    rows = ["| until | rule | items | effort | reason | accepted by |", "|---|---|--:|--:|---|---|"]
    for a in summary.expiring:
        reason = escape(clean(a.reason, MESSAGE_LIMIT)) if a.reason else _NO_CHANGE
        by = escape(clean(a.accepted_by, 60)) if a.accepted_by else _NO_CHANGE
        rows.append(
            f"| {a.until.isoformat()} | [**{a.rule}** `{code_text(a.slug)}`]({a.url}) | {a.items} | "
            f"{duration(a.effort_minutes)} | {reason} | {by} |"
        )
    return "\n".join(rows)
