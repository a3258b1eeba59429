"""Delivering the weekly report into repositories on the fake GitHub, over HTTP, from a real database.

Each test drives `deliver_due_reports` at chosen moments (`now`), as the hourly job would run it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import store
from bot.db.models import LedgerSource, Repository, RepositorySelection, WeeklyReport
from bot.ledger import book, render
from bot.ledger.history import IsoWeek
from bot.ledger.weekly import deliver_due_reports
from bot.worker import shutdown, startup
from bot.worker_context import DEPS, OPTIONS, SETTINGS, WorkerDeps
from checks.finding import Category, Severity
from tests.fakegithub import FakeGitHub
from tests.fakegithub.state import Issue, IssueComment
from tests.worker.conftest import TEST_OPTIONS, make_settings

pytest_plugins = ["tests.fakegithub.plugin"]
pytestmark = pytest.mark.anyio

OWN = 100
OWNER = "octo-org"
REPO = "octo-org/widgets"
W45 = IsoWeek(2026, 45)
#: Monday 9 November 2026, 10:00 UTC: the report of 2026-W45 is due (default schedule: Monday 09:00 UTC).
NOW = W45.end + timedelta(hours=10)
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)
CONFIG = ".github/debtbot.yml"


@pytest.fixture
async def deps(engine: AsyncEngine, database_url: str, fake_github: FakeGitHub) -> AsyncIterator[WorkerDeps]:
    """The worker's shared clients, made by its own start-up, against the fake GitHub (no Redis)."""
    ctx: dict[str, Any] = {SETTINGS: make_settings(fake_github, database_url), OPTIONS: TEST_OPTIONS}
    await startup(ctx)
    try:
        yield ctx[DEPS]
    finally:
        await shutdown(ctx)


def debt(fingerprint: str, effort: int = 30, category: Category = Category.CODE) -> book.Debt:
    return book.Debt(
        fingerprint=fingerprint,
        rule="CODE001",
        slug="todo",
        category=category,
        severity=Severity.MEDIUM,
        path=f"src/{fingerprint}.py",
        line=4,
        message=f"TODO {fingerprint}",
        effort_minutes=effort,
    )


async def install(
    fake: FakeGitHub,
    sessions: async_sessionmaker[AsyncSession],
    full_name: str = REPO,
    *,
    files: Mapping[str, str] | None = None,
    default_branch: str | None = "main",
    known_since: datetime = LONG_AGO,
    installation_id: int = OWN,
) -> int:
    """A repository on the fake and in the database, known since `known_since`, owing 2 hours since April."""
    if installation_id not in fake.world.installations:
        fake.add_installation(installation_id, full_name.split("/", maxsplit=1)[0])
    repo = fake.add_repository(
        full_name, installation_id=installation_id, files={"README.md": "# w\n", **(files or {})}
    )
    async with sessions.begin() as session:
        await store.upsert_installation(
            session,
            installation_id=installation_id,
            account_login=full_name.split("/", maxsplit=1)[0],
            account_type="Organization",
            repository_selection=RepositorySelection.ALL,
        )
        info = store.RepositoryInfo(id=repo.id, full_name=full_name, private=True, default_branch=default_branch)
        await store.upsert_repositories(session, installation_id, [info])
        await session.execute(update(Repository).where(Repository.id == repo.id).values(created_at=known_since))
        at = datetime(2026, 4, 1, tzinfo=UTC)
        await book.accrue(session, repo.id, [debt("a", 60), debt("b", 60)], book.Attribution(at, LedgerSource.BASELINE))
    return repo.id


async def merge(
    sessions: async_sessionmaker[AsyncSession], repo_id: int, at: datetime, fingerprints: list[str], pr: int = 12
) -> None:
    by = book.Attribution(at=at, source=LedgerSource.PULL_REQUEST, pr_number=pr, actor="alice", sha="c" * 40)
    async with sessions.begin() as session:
        await book.accrue(session, repo_id, [debt(f) for f in fingerprints], by)


async def reports(deps: WorkerDeps, repo_id: int) -> list[WeeklyReport]:
    async with deps.sessions() as session:
        found = await session.scalars(
            select(WeeklyReport).where(WeeklyReport.repo_id == repo_id).order_by(WeeklyReport.week)
        )
        return list(found)


async def report_issue_number(deps: WorkerDeps, repo_id: int) -> int | None:
    async with deps.sessions() as session:
        return await session.scalar(select(Repository.report_issue_number).where(Repository.id == repo_id))


def the_issue(fake: FakeGitHub, full_name: str = REPO) -> Issue:
    (issue,) = fake.issues(full_name)
    return issue


def weeks_in(comments: list[IssueComment]) -> list[str]:
    """The week of each of our report comments, in order."""
    return [c.body.split("week=")[1].split(" ")[0] for c in comments if "debtbot:weekly-report" in c.body]


# --- the first report and the next ones ------------------------------------------------------------------------------


async def test_the_first_report_opens_the_issue_and_comments(fake_github: FakeGitHub, deps: WorkerDeps) -> None:
    repo_id = await install(fake_github, deps.sessions)
    await merge(deps.sessions, repo_id, W45.start + timedelta(days=2), ["c"])

    tally = await deliver_due_reports(deps, NOW)

    issue = the_issue(fake_github)
    assert (issue.title, issue.state, issue.user) == ("Debt report", "open", fake_github.world.app.bot_login)
    assert issue.body is not None
    assert issue.body.startswith(render.ISSUE_MARKER)
    assert "## Debt report: 2026-W45" in issue.body
    (comment,) = fake_github.comments(REPO, issue.number)
    assert comment.body.startswith(render.marker("2026-W45"))
    assert "| **total** | **30 min** | **—** | **+30 min** | **2.5 h** |" in comment.body
    (row,) = await reports(deps, repo_id)
    assert (row.week, row.issue_number, row.comment_id, row.body) == (
        "2026-W45",
        issue.number,
        comment.id,
        comment.body,
    )
    assert row.posted_at is not None
    assert await report_issue_number(deps, repo_id) == issue.number
    assert (tally.repositories, tally.posted) == (1, 1)


async def test_a_second_run_in_the_same_week_asks_github_nothing(fake_github: FakeGitHub, deps: WorkerDeps) -> None:
    await install(fake_github, deps.sessions)
    await deliver_due_reports(deps, NOW)
    asked = len(fake_github.requests)

    later = [await deliver_due_reports(deps, NOW + timedelta(hours=h)) for h in (1, 2, 30)]

    assert len(fake_github.requests) == asked
    assert [t.repositories for t in later] == [0, 0, 0]
    assert len(fake_github.comments(REPO, the_issue(fake_github).number)) == 1


async def test_each_week_gets_a_comment_and_the_issue_shows_the_latest(
    fake_github: FakeGitHub, deps: WorkerDeps
) -> None:
    repo_id = await install(fake_github, deps.sessions)
    await deliver_due_reports(deps, NOW)
    await deliver_due_reports(deps, NOW + timedelta(weeks=1))  # a quiet week
    await merge(deps.sessions, repo_id, W45.start + timedelta(weeks=2, days=1), ["c", "d"])
    await deliver_due_reports(deps, NOW + timedelta(weeks=2))

    issue = the_issue(fake_github)
    comments = fake_github.comments(REPO, issue.number)
    assert weeks_in(comments) == ["2026-W45", "2026-W46", "2026-W47"]
    assert comments[1].body == (
        f"{render.marker('2026-W46')}\n**2026-W46**: No debt added or paid this week; 2 hours owed.\n"
    )
    assert "## Debt report: 2026-W47" in comments[2].body
    assert issue.body is not None
    assert "## Debt report: 2026-W47" in issue.body
    assert "+1 h this week" in issue.body
    assert [r.week for r in await reports(deps, repo_id)] == ["2026-W45", "2026-W46", "2026-W47"]


# --- a retried job never posts twice -------------------------------------------------------------------------------


async def test_a_try_that_died_after_posting_finds_its_comment(fake_github: FakeGitHub, deps: WorkerDeps) -> None:
    repo_id = await install(fake_github, deps.sessions)
    await deliver_due_reports(deps, NOW)
    (posted,) = await reports(deps, repo_id)
    async with deps.sessions.begin() as session:
        # What a try that died between GitHub's answer and the database's commit leaves behind.
        await session.execute(update(WeeklyReport).values(comment_id=None, posted_at=None))

    tally = await deliver_due_reports(deps, NOW + timedelta(hours=1))

    issue = the_issue(fake_github)
    assert len(fake_github.comments(REPO, issue.number)) == 1
    (row,) = await reports(deps, repo_id)
    assert row.comment_id == posted.comment_id
    assert (tally.repositories, tally.posted) == (1, 1)
    listed = [
        r for r in fake_github.requests if r.method == "GET" and r.path.endswith(f"/issues/{issue.number}/comments")
    ]
    assert len(listed) == 1


async def test_a_try_that_failed_to_post_posts_once_on_the_next_run(fake_github: FakeGitHub, deps: WorkerDeps) -> None:
    repo_id = await install(fake_github, deps.sessions)
    fake_github.fail("POST", r"/repos/octo-org/widgets/issues/\d+/comments$", 502, times=None)

    first = await deliver_due_reports(deps, NOW)
    fake_github.failures.clear()
    second = await deliver_due_reports(deps, NOW + timedelta(hours=1))

    assert (first.retry_later, first.posted, second.posted) == (1, 0, 1)
    issue = the_issue(fake_github)  # the issue made on the first run is used, not a second one
    assert weeks_in(fake_github.comments(REPO, issue.number)) == ["2026-W45"]
    (row,) = await reports(deps, repo_id)
    assert row.comment_id == fake_github.comments(REPO, issue.number)[0].id


async def test_a_retry_posts_the_body_it_first_wrote(fake_github: FakeGitHub, deps: WorkerDeps) -> None:
    repo_id = await install(fake_github, deps.sessions)
    fake_github.fail("POST", r"/repos/octo-org/widgets/issues/\d+/comments$", 502, times=None)
    await deliver_due_reports(deps, NOW)
    (written,) = await reports(deps, repo_id)
    fake_github.failures.clear()
    await merge(deps.sessions, repo_id, NOW, ["late"])  # the ledger moves between the tries

    await deliver_due_reports(deps, NOW + timedelta(hours=1))

    (comment,) = fake_github.comments(REPO, the_issue(fake_github).number)
    assert comment.body == written.body


# --- catching up, replacing the issue ------------------------------------------------------------------------------


async def test_missed_weeks_are_caught_up_four_at_most_oldest_first(fake_github: FakeGitHub, deps: WorkerDeps) -> None:
    repo_id = await install(fake_github, deps.sessions)
    await deliver_due_reports(deps, NOW - timedelta(weeks=7))  # the report of 2026-W38
    for week in range(39, 46):
        await merge(deps.sessions, repo_id, IsoWeek(2026, week).start + timedelta(days=1), [f"w{week}"], pr=week)

    tally = await deliver_due_reports(deps, NOW)  # no worker ran for six weeks

    issue = the_issue(fake_github)
    assert weeks_in(fake_github.comments(REPO, issue.number)) == [
        "2026-W38",
        "2026-W42",
        "2026-W43",
        "2026-W44",
        "2026-W45",
    ]
    assert issue.body is not None
    assert "## Debt report: 2026-W45" in issue.body
    assert tally.posted == 4
    updates = [r for r in fake_github.requests if r.method == "PATCH" and r.path.endswith(f"/issues/{issue.number}")]
    assert len(updates) == 1  # the description is written once, with the latest week


async def test_a_closed_report_issue_is_replaced(fake_github: FakeGitHub, deps: WorkerDeps) -> None:
    repo_id = await install(fake_github, deps.sessions)
    await deliver_due_reports(deps, NOW)
    old = the_issue(fake_github)
    old.state = "closed"  # someone closed it

    await deliver_due_reports(deps, NOW + timedelta(weeks=1))

    first, second = fake_github.issues(REPO)
    assert (first.number, first.state, second.state) == (old.number, "closed", "open")
    assert weeks_in(fake_github.comments(REPO, first.number)) == ["2026-W45"]
    assert weeks_in(fake_github.comments(REPO, second.number)) == ["2026-W46"]
    assert second.body is not None
    assert "2026-W46" in second.body
    assert await report_issue_number(deps, repo_id) == second.number


async def test_a_deleted_report_issue_is_replaced(fake_github: FakeGitHub, deps: WorkerDeps) -> None:
    repo_id = await install(fake_github, deps.sessions)
    await deliver_due_reports(deps, NOW)
    old = the_issue(fake_github)
    fake_github.fail("GET", rf"/repos/octo-org/widgets/issues/{old.number}$", 410, times=None)
    old.title = "renamed before it was deleted"  # not found again by its title either

    await deliver_due_reports(deps, NOW + timedelta(weeks=1))

    new = fake_github.issues(REPO)[-1]
    assert new.number != old.number
    assert weeks_in(fake_github.comments(REPO, new.number)) == ["2026-W46"]
    assert await report_issue_number(deps, repo_id) == new.number


async def test_an_issue_number_lost_is_found_again_not_duplicated(fake_github: FakeGitHub, deps: WorkerDeps) -> None:
    repo_id = await install(fake_github, deps.sessions)
    await deliver_due_reports(deps, NOW)
    async with deps.sessions.begin() as session:
        # A try that died after GitHub made the issue, or a database restored from before it.
        await session.execute(update(Repository).values(report_issue_number=None))

    await deliver_due_reports(deps, NOW + timedelta(weeks=1))

    issue = the_issue(fake_github)
    assert weeks_in(fake_github.comments(REPO, issue.number)) == ["2026-W45", "2026-W46"]
    assert await report_issue_number(deps, repo_id) == issue.number


# --- the repository's config -----------------------------------------------------------------------------------------


async def test_the_config_switches_reports_off(fake_github: FakeGitHub, deps: WorkerDeps) -> None:
    repo_id = await install(fake_github, deps.sessions, files={CONFIG: "summary:\n  enabled: false\n"})

    tally = await deliver_due_reports(deps, NOW)

    assert fake_github.issues(REPO) == []
    assert await reports(deps, repo_id) == []
    assert (tally.repositories, tally.posted) == (1, 0)


async def test_an_unknown_default_branch_reads_the_config_at_head(fake_github: FakeGitHub, deps: WorkerDeps) -> None:
    await install(fake_github, deps.sessions, files={CONFIG: "summary: {enabled: false}\n"}, default_branch=None)

    await deliver_due_reports(deps, NOW)

    assert fake_github.issues(REPO) == []
    (read,) = [r for r in fake_github.requests if r.path.endswith("/contents/.github/debtbot.yml")]
    assert read.query["ref"] == ["HEAD"]


async def test_a_custom_weekday_hour_and_timezone(fake_github: FakeGitHub, deps: WorkerDeps) -> None:
    config = "summary:\n  weekday: fri\n  hour: 17\n  timezone: America/New_York\n"
    # Known since 1 November: its first full week, in New York, is 2026-W45.
    repo_id = await install(
        fake_github, deps.sessions, files={CONFIG: config}, known_since=datetime(2026, 11, 1, tzinfo=UTC)
    )
    # Sunday 8 November 23:30 New York time: W45 there, W46 in UTC.
    await merge(deps.sessions, repo_id, datetime(2026, 11, 9, 4, 30, tzinfo=UTC), ["sunday"])
    friday = datetime(2026, 11, 13, 22, tzinfo=UTC)  # 17:00 in New York (EST)

    await deliver_due_reports(deps, NOW)  # Monday 09:00 UTC means nothing to this repository
    await deliver_due_reports(deps, friday - timedelta(minutes=1))
    assert fake_github.issues(REPO) == []

    await deliver_due_reports(deps, friday)

    (comment,) = fake_github.comments(REPO, the_issue(fake_github).number)
    assert comment.body.startswith(render.marker("2026-W45"))
    assert "2 Nov – 8 Nov 2026 (America/New_York)" in comment.body
    assert "+30 min this week" in comment.body  # Sunday night in New York belongs to this week


async def test_a_broken_config_still_gets_the_default_schedule(fake_github: FakeGitHub, deps: WorkerDeps) -> None:
    await install(fake_github, deps.sessions, files={CONFIG: "summary: [this is not: a mapping\n"})

    await deliver_due_reports(deps, NOW)

    assert weeks_in(fake_github.comments(REPO, the_issue(fake_github).number)) == ["2026-W45"]


# --- which repositories ----------------------------------------------------------------------------------------------


async def test_only_active_repositories_with_a_ledger_and_a_full_week(
    fake_github: FakeGitHub, deps: WorkerDeps
) -> None:
    await install(fake_github, deps.sessions, "octo-org/active")
    removed = await install(fake_github, deps.sessions, "octo-org/removed")
    await install(fake_github, deps.sessions, "octo-org/new", known_since=NOW - timedelta(days=3))
    suspended = await install(fake_github, deps.sessions, "elsewhere/suspended", installation_id=200)
    fake_github.add_repository("octo-org/empty", installation_id=OWN)
    async with deps.sessions.begin() as session:
        await store.upsert_repositories(
            session,
            OWN,
            [
                store.RepositoryInfo(
                    id=fake_github.repository("octo-org/empty").id, full_name="octo-org/empty", private=True
                )
            ],
        )
        await session.execute(update(Repository).where(Repository.id == removed).values(removed_at=NOW))
        await store.upsert_installation(
            session,
            installation_id=200,
            account_login="elsewhere",
            account_type="Organization",
            repository_selection=RepositorySelection.ALL,
            suspended=True,
        )
    assert suspended

    tally = await deliver_due_reports(deps, NOW)

    assert [name for name in ("active", "removed", "new", "empty") if fake_github.issues(f"octo-org/{name}")] == [
        "active"
    ]
    assert fake_github.issues("elsewhere/suspended") == []
    assert tally.repositories == 1


# --- errors ----------------------------------------------------------------------------------------------------------


async def test_a_refusal_spares_the_other_repositories(fake_github: FakeGitHub, deps: WorkerDeps) -> None:
    await install(fake_github, deps.sessions, "octo-org/no-issues")
    await install(fake_github, deps.sessions, "octo-org/fine")
    fake_github.fail("POST", r"/repos/octo-org/no-issues/issues$", 410, times=None)  # issues turned off

    tally = await deliver_due_reports(deps, NOW)

    assert fake_github.issues("octo-org/no-issues") == []
    assert len(fake_github.issues("octo-org/fine")) == 1
    assert (tally.refused, tally.posted) == (1, 1)


async def test_a_bug_fails_the_run_after_the_other_repositories(fake_github: FakeGitHub, deps: WorkerDeps) -> None:
    await install(fake_github, deps.sessions, "octo-org/broken")
    await install(fake_github, deps.sessions, "octo-org/fine")
    fake_github.fail("GET", r"/repos/octo-org/broken/contents/", 418, times=None)  # nothing GitHub would say

    with pytest.raises(Exception, match="418"):
        await deliver_due_reports(deps, NOW)

    assert len(fake_github.issues("octo-org/fine")) == 1
