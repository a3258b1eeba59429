"""The weekly summary: its numbers agree with the ledger's history, its markdown has the shape GitHub renders."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import LedgerSource, Repository
from bot.ledger import book, history, render
from bot.ledger.history import IsoWeek
from bot.ledger.summary import WeeklySummary, weekly_summary
from checks.finding import Category, Severity

pytestmark = pytest.mark.anyio

REPO = Repository(id=7, full_name="octo-org/widgets", default_branch="main")
W45 = IsoWeek(2026, 45)
MONDAY = W45.start
#: When the report of 2026-W45 goes out.
NOW = W45.end + timedelta(hours=9)
BASELINE_SHA = "b" * 40
MERGE_SHA = "c" * 40


def debt(fingerprint: str, category: Category = Category.CODE, effort: int = 30, **fields: object) -> book.Debt:
    values: dict[str, object] = {
        "rule": "CODE001",
        "slug": "todo",
        "severity": Severity.LOW,
        "path": f"src/{fingerprint}.py",
        "line": 3,
        "message": f"debt {fingerprint}",
        **fields,
    }
    return book.Debt(fingerprint=fingerprint, category=category, effort_minutes=effort, **values)  # type: ignore[arg-type]


def merge(at: datetime, pr: int, author: str = "alice") -> book.Attribution:
    return book.Attribution(at=at, source=LedgerSource.PULL_REQUEST, pr_number=pr, actor=author, sha=MERGE_SHA)


async def populate(sessions: async_sessionmaker[AsyncSession]) -> None:
    """A baseline eight weeks back, then in 2026-W45: two merges, a payment, an acceptance ending soon."""
    async with sessions.begin() as session:
        baseline = book.Attribution(at=MONDAY - timedelta(weeks=8), source=LedgerSource.BASELINE, sha=BASELINE_SHA)
        await book.accrue(
            session,
            REPO.id,
            [debt(f"b{i}", list(Category)[i % 4], 60 + i, severity=Severity.MEDIUM) for i in range(14)],
            baseline,
        )
        hostile = "remove | this @octocat <img src=x> [link](http://x)"
        await book.accrue(
            session,
            REPO.id,
            [debt("p1", Category.DATA, 45, severity=Severity.HIGH, rule="DATA001", path="data/raw.csv", line=None)],
            merge(MONDAY + timedelta(days=1), 12),
        )
        await book.accrue(
            session, REPO.id, [debt("p2", message=hostile, line=40)], merge(MONDAY + timedelta(days=2), 14, "bob")
        )
        await book.pay(session, REPO.id, ["b1", "b2"], merge(MONDAY + timedelta(days=3), 13, "carol"))
        await book.accept(
            session,
            REPO.id,
            fingerprints=["b3", "b7"],
            reason="until the refactor",
            until=date(2026, 11, 16),
            by=merge(MONDAY, 13, "carol"),
        )


async def summary_of(
    sessions: async_sessionmaker[AsyncSession], week: IsoWeek = W45, **kwargs: object
) -> WeeklySummary:
    async with sessions() as session:
        return await weekly_summary(session, REPO, week, now=NOW, **kwargs)  # type: ignore[arg-type]


# --- numbers ---------------------------------------------------------------------------------------------------------


async def test_the_week_s_numbers_are_the_history_s_and_add_up_to_the_trend(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await populate(sessions)
    summary = await summary_of(sessions)
    async with sessions() as session:
        (figures,) = await history.week_figures(session, REPO.id, [W45])
        owed_now = await history.totals(session, REPO.id, until=W45.end)

    by_category = {c.category: c for c in summary.categories}
    assert {c: by_category[c].added for c in Category} == figures.added
    assert {c: by_category[c].paid for c in Category} == figures.paid
    assert (summary.added, summary.paid, summary.baseline) == (45 + 30, 61 + 62, 0)
    assert summary.net == summary.added - summary.paid
    assert summary.owed == history.total_of(owed_now)
    assert [p.week for p in summary.trend] == [str(w) for w in IsoWeek.ending(W45, 12)]
    assert summary.trend[-1].owed == summary.owed
    assert summary.trend[-1].owed - summary.trend[-2].owed == summary.net
    assert (summary.trend[2].owed, summary.trend[3].owed) == (0, sum(60 + i for i in range(14)))  # the baseline
    assert not summary.quiet


async def test_top_items_pull_requests_and_expiring_acceptances(sessions: async_sessionmaker[AsyncSession]) -> None:
    await populate(sessions)
    summary = await summary_of(sessions)

    assert len(summary.top_items) == 10
    assert [i.rank for i in summary.top_items] == list(range(1, 11))
    priorities = [i.priority for i in summary.top_items]
    assert priorities == sorted(priorities, reverse=True)
    first = summary.top_items[0]
    assert (first.rule, first.severity, first.pull_request) == ("DATA001", Severity.HIGH, 12)
    assert first.url == f"https://github.com/octo-org/widgets/blob/{MERGE_SHA}/data/raw.csv"  # a whole file: no line
    medium = summary.top_items[1]
    assert medium.url == f"https://github.com/octo-org/widgets/blob/{BASELINE_SHA}/{medium.path}#L3"
    assert [(p.number, p.author, p.added, p.paid, p.net) for p in summary.pull_requests] == [
        (13, "carol", 0, 123, -123),
        (12, "alice", 45, 0, 45),
        (14, "bob", 30, 0, 30),
    ]
    assert summary.pull_requests[0].url == "https://github.com/octo-org/widgets/pull/13"
    (expiring,) = summary.expiring
    assert (expiring.rule, expiring.items, expiring.effort_minutes, expiring.until) == (
        "CODE001",
        2,
        63 + 67,
        date(2026, 11, 16),
    )
    assert (expiring.reason, expiring.accepted_by) == ("until the refactor", "carol")


async def test_a_timezone_moves_the_week_s_days_and_a_github_server_its_links(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        # Sunday 23:30 UTC: Monday of the next week in Berlin.
        await book.accrue(session, REPO.id, [debt("late")], merge(W45.end - timedelta(minutes=30), 20))
    berlin = await summary_of(sessions, tz=ZoneInfo("Europe/Berlin"), github_url="https://ghe.example.com/")
    utc = await summary_of(sessions)

    assert (utc.added, berlin.added) == (30, 0)
    assert berlin.starts == datetime(2026, 11, 1, 23, tzinfo=UTC)
    assert berlin.timezone == "Europe/Berlin"
    assert berlin.top_items[0].url.startswith("https://ghe.example.com/octo-org/widgets/blob/")


# --- markdown --------------------------------------------------------------------------------------------------------

_MERMAID = re.compile(r"```mermaid\n(?P<body>.*?)\n```", re.DOTALL)
_LABEL = r'"[^"\n]+"'
_NUMBER = r"-?\d+(?:\.\d+)?"


def chart_of(markdown: str) -> tuple[list[str], float, float, list[float]]:
    """The one Mermaid block, checked against the xychart-beta grammar: labels, y range and values."""
    blocks = _MERMAID.findall(markdown)
    assert len(blocks) == 1, markdown
    lines = blocks[0].split("\n")
    assert lines[0] == "xychart-beta"
    assert re.fullmatch(r'    title "[^"\n]+"', lines[1])
    x_axis = re.fullmatch(rf"    x-axis \[({_LABEL}(?:, {_LABEL})*)\]", lines[2])
    y_axis = re.fullmatch(rf'    y-axis "[^"\n]+" ({_NUMBER}) --> ({_NUMBER})', lines[3])
    line = re.fullmatch(rf"    line \[({_NUMBER}(?:, {_NUMBER})*)\]", lines[4])
    assert len(lines) == 5, blocks[0]
    assert x_axis, lines[2]
    assert y_axis, lines[3]
    assert line, lines[4]
    labels = re.findall(r'"([^"]+)"', x_axis[1])
    values = [float(v) for v in line[1].split(", ")]
    return labels, float(y_axis[1]), float(y_axis[2]), values


async def test_markdown_of_a_busy_week(sessions: async_sessionmaker[AsyncSession]) -> None:
    await populate(sessions)
    summary = await summary_of(sessions)
    text = render.markdown(summary)

    assert text.startswith("<!-- debtbot:weekly-report week=2026-W45 -->\n## Debt report: 2026-W45\n")
    assert "2 Nov – 8 Nov 2026 (UTC)" in text
    labels, low, high, values = chart_of(text)
    assert labels == [f"W{w.week:02d}" for w in IsoWeek.ending(W45, 12)]
    assert values == [round(p.owed / 60, 1) for p in summary.trend]
    assert low <= min(values) <= max(values) <= high
    sections = re.findall(r"^### (.+)$", text, re.MULTILINE)
    assert sections == [
        "Trend, last 12 weeks",
        "Pay first",
        "Pull requests that moved the most",
        "Accepted debt expiring soon",
    ]
    pay_first = text.split("### Pay first")[1].split("###")[0]
    rows = [row for row in pay_first.splitlines() if re.match(r"\| \d+ \|", row)]
    assert len(rows) == 10
    assert "[`data/raw.csv`](https://github.com/octo-org/widgets/blob/" + MERGE_SHA + "/data/raw.csv)" in rows[0]
    assert f"(https://github.com/octo-org/widgets/blob/{BASELINE_SHA}/src/b0.py#L3)" in pay_first
    assert "| **total** | **1.2 h** | **2 h** | **-48 min** |" in text
    assert "[#13](https://github.com/octo-org/widgets/pull/13) | carol |" in text
    assert "| 2026-11-16 | [**CODE001** `todo`](" in text


async def test_repository_text_cannot_break_the_table_or_ping_anyone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await populate(sessions)
    async with sessions.begin() as session:
        # The hostile message gets to the top: a high-severity item.
        await book.accrue(
            session,
            REPO.id,
            [debt("evil", severity=Severity.HIGH, message="x | y @octocat <img src=x> [a](http://evil)\nrow")],
            merge(MONDAY + timedelta(days=1), 30),
        )
    text = render.markdown(await summary_of(sessions))

    (row,) = [line for line in text.splitlines() if "octocat" in line]
    assert "@octocat" not in text
    assert re.search(r"(?<!\\)<img", text) is None  # shown as text, not a tag
    assert "](http://evil)" not in text
    assert row.count(" | ") == 4  # five cells: the message's pipe is escaped


async def test_a_quiet_week_is_one_line(sessions: async_sessionmaker[AsyncSession]) -> None:
    await populate(sessions)
    summary = await summary_of(sessions, week=W45 + 1)
    text = render.markdown(summary)

    assert summary.quiet
    assert text == (
        "<!-- debtbot:weekly-report week=2026-W46 -->\n"
        "**2026-W46**: No debt added or paid this week; 14.7 hours owed.\n"
    )
    # The issue keeps the full picture, quiet week or not.
    body = render.issue_body(summary)
    assert body.startswith(render.ISSUE_MARKER)
    assert "## Debt report: 2026-W46" in body
    chart_of(body)


async def test_a_baseline_week_shows_the_baseline_apart(sessions: async_sessionmaker[AsyncSession]) -> None:
    await populate(sessions)
    summary = await summary_of(sessions, week=W45 - 8)
    text = render.markdown(summary)

    assert (summary.baseline, summary.added, summary.quiet) == (sum(60 + i for i in range(14)), 0, False)
    assert "| category | added | baseline | paid | net | owed |" in text
    assert "_Baseline: 15.5 h the first scan of the repository found" in text
    assert "Pull requests" not in text


async def test_an_empty_ledger_still_charts(sessions: async_sessionmaker[AsyncSession]) -> None:
    summary = await summary_of(sessions)
    text = render.markdown(summary)

    assert text.endswith("No debt added or paid this week; 0 hours owed.\n")
    labels, low, high, values = chart_of(render.issue_body(summary))
    assert (len(labels), low, high, set(values)) == (12, 0, 1, {0})


async def test_json_has_every_figure_and_reads_back(sessions: async_sessionmaker[AsyncSession]) -> None:
    await populate(sessions)
    summary = await summary_of(sessions)
    data = json.loads(render.json_text(summary))

    assert data["week"] == "2026-W45"
    assert (data["added"], data["paid"], data["net"], data["quiet"]) == (75, 123, -48, False)
    assert len(data["trend"]) == 12
    assert data["top_items"][0]["url"].endswith("/data/raw.csv")
    assert WeeklySummary.model_validate_json(render.json_text(summary)) == summary


@pytest.mark.parametrize(
    ("minutes", "shown", "as_hours"),
    [
        (0, "0 min", "0 hours"),
        (45, "45 min", "0.8 hours"),
        (60, "1 h", "1 hour"),
        (90, "1.5 h", "1.5 hours"),
        (599, "10 h", "10 hours"),
        (2460, "41 h", "41 hours"),
        (2470, "41.2 h", "41.2 hours"),
        (6030, "100 h", "100.5 hours"),
    ],
)
def test_durations_read_as_people_say_them(minutes: int, shown: str, as_hours: str) -> None:
    assert render.duration(minutes) == shown
    assert render.hours_owed(minutes) == f"{as_hours}"
    assert render.signed(-minutes) == (f"-{shown}" if minutes else "0")
