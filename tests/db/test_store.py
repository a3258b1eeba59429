"""The store's functions against real SQLite and PostgreSQL: installations, pull requests, runs, findings, comments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import (
    BaselineStatus,
    CommentKind,
    FindingRow,
    FindingState,
    Installation,
    PullRequest,
    PullRequestState,
    Repository,
    RepositorySelection,
    ReviewRun,
    RunStatus,
)
from bot.db.store import (
    RepositoryInfo,
    UnfinishedRun,
    change_installation_repositories,
    finish_review_run,
    open_pull_requests_at,
    posted_fingerprints,
    record_annotation_batches,
    record_posted_comment,
    save_findings,
    save_result,
    set_baseline_status,
    set_check_run,
    set_installation_repositories,
    start_review_run,
    sticky_comment_id,
    unfinished_run,
    upsert_installation,
    upsert_pull_request,
    upsert_repositories,
)
from bot.ledger import merges
from checks.finding import Category, Finding, Severity
from checks.runner import review

pytestmark = pytest.mark.anyio

Sessions = async_sessionmaker[AsyncSession]

INSTALLATION = 31_000_001
OTHER_INSTALLATION = 31_000_002
REPO = 700_000_000_001  # GitHub ids outgrow 32 bits
SHA = "a" * 40
STARTED = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


async def install(session: AsyncSession, installation_id: int = INSTALLATION, login: str = "acme") -> None:
    await upsert_installation(
        session,
        installation_id=installation_id,
        account_login=login,
        account_type="Organization",
        repository_selection=RepositorySelection.SELECTED,
    )


def repo(repo_id: int, name: str, *, branch: str | None = "main", private: bool = False) -> RepositoryInfo:
    return RepositoryInfo(id=repo_id, full_name=f"acme/{name}", private=private, default_branch=branch)


async def repositories(sessions: Sessions) -> dict[int, Repository]:
    async with sessions() as session:
        return {r.id: r for r in await session.scalars(select(Repository))}


def finding(rule: str, fingerprint: str, *, acknowledged: str | None = None, effort: int = 30) -> Finding:
    return Finding(
        rule=rule,
        slug="todo-comment",
        category=Category.CODE,
        severity=Severity.LOW,
        message="A TODO was added",
        path="src/train.py",
        line=5,
        end_line=6,
        remediation="Do it or file an issue",
        effort_minutes=effort,
        fingerprint=fingerprint,
        acknowledged=acknowledged,
    )


# --- installations and repositories ---------------------------------------------------------------------------------


async def test_upsert_installation_creates_then_refreshes(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await install(session)
    async with sessions.begin() as session:
        await upsert_installation(
            session,
            installation_id=INSTALLATION,
            account_login="acme-renamed",
            account_type="Organization",
            repository_selection=RepositorySelection.ALL,
            suspended=True,
        )

    async with sessions() as session:
        [row] = await session.scalars(select(Installation))
    assert (row.id, row.account_login, row.account_type) == (INSTALLATION, "acme-renamed", "Organization")
    assert row.repository_selection is RepositorySelection.ALL
    assert row.suspended
    assert row.updated_at >= row.created_at


async def test_set_installation_repositories_replaces_the_list(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await install(session)
        await set_installation_repositories(session, INSTALLATION, [repo(REPO, "models"), repo(REPO + 1, "data")])
    async with sessions.begin() as session:
        await set_installation_repositories(
            session, INSTALLATION, [repo(REPO, "models-renamed", private=True), repo(REPO + 2, "infra")]
        )

    rows = await repositories(sessions)
    assert set(rows) == {REPO, REPO + 1, REPO + 2}
    assert rows[REPO].full_name == "acme/models-renamed"
    assert rows[REPO].private
    assert rows[REPO].removed_at is None
    assert rows[REPO + 1].removed_at is not None  # no longer selected; its history stays
    assert rows[REPO + 2].removed_at is None
    assert rows[REPO + 2].baseline_status is BaselineStatus.PENDING


async def test_change_installation_repositories_adds_and_removes(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await install(session)
        await set_installation_repositories(session, INSTALLATION, [repo(REPO, "models"), repo(REPO + 1, "data")])
    async with sessions.begin() as session:
        # `installation_repositories` payloads carry no default branch: the known one is kept.
        await change_installation_repositories(
            session, INSTALLATION, added=[repo(REPO + 2, "infra", branch=None)], removed=[REPO + 1]
        )
    async with sessions.begin() as session:
        await change_installation_repositories(session, INSTALLATION, added=[repo(REPO + 1, "data", branch=None)])

    rows = await repositories(sessions)
    assert {r.id for r in rows.values() if r.removed_at is None} == {REPO, REPO + 1, REPO + 2}
    assert rows[REPO + 1].default_branch == "main"
    assert rows[REPO + 2].default_branch is None


async def test_a_transferred_repository_is_not_dropped_by_its_old_installation(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await install(session)
        await install(session, OTHER_INSTALLATION, "other")
        await upsert_repositories(session, INSTALLATION, [repo(REPO, "models")])
        await upsert_repositories(session, OTHER_INSTALLATION, [repo(REPO, "models")])
        await change_installation_repositories(session, INSTALLATION, removed=[REPO])

    rows = await repositories(sessions)
    assert rows[REPO].installation_id == OTHER_INSTALLATION
    assert rows[REPO].removed_at is None


async def test_repositories_need_their_installation(sessions: Sessions) -> None:
    """Foreign keys hold on SQLite as on PostgreSQL."""
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            await upsert_repositories(session, INSTALLATION, [repo(REPO, "models")])


async def test_removing_an_installation_removes_its_repositories(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await install(session)
        await upsert_repositories(session, INSTALLATION, [repo(REPO, "models")])
    async with sessions.begin() as session:
        await session.execute(delete(Installation).where(Installation.id == INSTALLATION))

    assert await repositories(sessions) == {}


async def test_many_repositories_are_written_in_chunks(sessions: Sessions) -> None:
    many = [repo(REPO + i, f"r{i}") for i in range(1201)]
    async with sessions.begin() as session:
        await install(session)
        await set_installation_repositories(session, INSTALLATION, many)
    async with sessions.begin() as session:
        await set_installation_repositories(session, INSTALLATION, many[:1])

    rows = await repositories(sessions)
    assert len(rows) == 1201
    assert sum(r.removed_at is None for r in rows.values()) == 1


async def test_set_baseline_status(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await install(session)
        await upsert_repositories(session, INSTALLATION, [repo(REPO, "models")])
        await set_baseline_status(session, REPO, BaselineStatus.COMPLETED)

    assert (await repositories(sessions))[REPO].baseline_status is BaselineStatus.COMPLETED


# --- pull requests and review runs ----------------------------------------------------------------------------------


async def test_upsert_pull_request_follows_the_pull_request(sessions: Sessions) -> None:
    merged_at = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    async with sessions.begin() as session:
        await upsert_pull_request(
            session, repo_id=REPO, number=7, author="ada", base_ref="main", head_sha=SHA, state=PullRequestState.OPEN
        )
        await upsert_pull_request(
            session, repo_id=REPO + 1, number=7, author="bob", base_ref="dev", head_sha=SHA, state=PullRequestState.OPEN
        )
    async with sessions.begin() as session:
        await upsert_pull_request(
            session,
            repo_id=REPO,
            number=7,
            author="ada",
            base_ref="main",
            head_sha="b" * 40,
            state=PullRequestState.CLOSED,
            merged=True,
            merged_at=merged_at,
            merge_commit_sha="c" * 40,
        )

    async with sessions() as session:
        rows = {(p.repo_id, p.number): p for p in await session.scalars(select(PullRequest))}
    assert len(rows) == 2
    pull = rows[REPO, 7]
    assert (pull.head_sha, pull.state, pull.merged) == ("b" * 40, PullRequestState.CLOSED, True)
    assert pull.merged_at == merged_at
    assert pull.merge_commit_sha == "c" * 40
    assert rows[REPO + 1, 7].author == "bob"


async def test_a_late_event_never_records_a_merged_pull_request_unmerged(sessions: Sessions) -> None:
    merged_at = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    async with sessions.begin() as session:
        await upsert_pull_request(
            session, repo_id=REPO, number=8, author="ada", base_ref="main", head_sha=SHA,
            state=PullRequestState.CLOSED, merged=True, merged_at=merged_at, merge_commit_sha="c" * 40,
        )  # fmt: skip
    async with sessions.begin() as session:
        # A review that started before the merge, then an earlier close redelivered.
        for state in (PullRequestState.OPEN, PullRequestState.CLOSED):
            await upsert_pull_request(
                session, repo_id=REPO, number=8, author="ada", base_ref="main", head_sha="d" * 40, state=state
            )

    async with sessions() as session:
        pull = (await session.scalars(select(PullRequest).where(PullRequest.number == 8))).one()
    assert (pull.state, pull.merged, pull.merged_at, pull.merge_commit_sha) == (
        PullRequestState.CLOSED,
        True,
        merged_at,
        "c" * 40,
    )
    assert pull.head_sha == "d" * 40  # what is not final still follows the events


async def test_start_and_finish_a_review_run(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        run_id = await start_review_run(
            session,
            repo_id=REPO,
            pr_number=7,
            head_sha=SHA,
            job_id=f"review:{REPO}:7:{SHA}",
            trigger_delivery_id="delivery-1",
            started_at=STARTED,
        )
        await set_check_run(session, run_id, 40_000_000_001)
    async with sessions.begin() as session:
        await finish_review_run(
            session,
            run_id,
            conclusion="failure",
            findings_count=3,
            paid_count=1,
            effort_minutes=90,
            completed_at=STARTED + timedelta(seconds=2, milliseconds=500),
        )

    async with sessions() as session:
        run = await session.get_one(ReviewRun, run_id)
    assert run.status is RunStatus.COMPLETED
    assert (run.conclusion, run.check_run_id, run.trigger_delivery_id) == ("failure", 40_000_000_001, "delivery-1")
    assert (run.findings_count, run.paid_count, run.effort_minutes, run.attempts) == (3, 1, 90, 1)
    assert run.duration_ms == 2500
    assert run.started_at == STARTED
    assert run.error is None


async def test_a_review_run_in_progress_is_in_progress(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        run_id = await start_review_run(session, repo_id=REPO, pr_number=7, head_sha=SHA)

    async with sessions() as session:
        run = await session.get_one(ReviewRun, run_id)
    assert run.status is RunStatus.IN_PROGRESS
    assert run.completed_at is None
    assert run.job_id is None


async def test_a_failed_run_keeps_its_error(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        run_id = await start_review_run(session, repo_id=REPO, pr_number=7, head_sha=SHA)
        await finish_review_run(session, run_id, conclusion=None, error="GitHub answered 502")

    async with sessions() as session:
        run = await session.get_one(ReviewRun, run_id)
    assert run.status is RunStatus.COMPLETED
    assert (run.conclusion, run.error) == (None, "GitHub answered 502")


async def test_finishing_an_unknown_run_is_an_error(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        with pytest.raises(LookupError):
            await finish_review_run(session, 999, conclusion="success")


async def test_running_the_same_job_again_takes_up_its_run(sessions: Sessions) -> None:
    job_id = f"review:{REPO}:7:{SHA}"
    async with sessions.begin() as session:
        first = await start_review_run(
            session, repo_id=REPO, pr_number=7, head_sha=SHA, job_id=job_id, check_run_id=11, started_at=STARTED
        )
        await finish_review_run(session, first, conclusion=None, error="worker shut down")
    later = STARTED + timedelta(minutes=5)
    async with sessions.begin() as session:
        again = await start_review_run(
            session, repo_id=REPO, pr_number=7, head_sha=SHA, job_id=job_id, started_at=later
        )
        other = await start_review_run(session, repo_id=REPO, pr_number=7, head_sha=SHA, job_id=f"{job_id}:redelivery")

    assert again == first
    assert other != first
    async with sessions() as session:
        run = await session.get_one(ReviewRun, first)
    assert (run.status, run.attempts, run.started_at) == (RunStatus.IN_PROGRESS, 2, later)
    assert (run.error, run.completed_at, run.duration_ms) == (None, None, None)
    assert run.check_run_id == 11  # kept: the retry reports to the same check run


async def test_open_pull_requests_at_a_head_are_the_open_ones_of_that_repository(sessions: Sessions) -> None:
    other_sha = "b" * 40
    pulls = [
        (REPO, 9, SHA, PullRequestState.OPEN),
        (REPO, 7, SHA, PullRequestState.OPEN),
        (REPO, 8, SHA, PullRequestState.CLOSED),
        (REPO, 10, other_sha, PullRequestState.OPEN),
        (REPO + 1, 7, SHA, PullRequestState.OPEN),
    ]
    async with sessions.begin() as session:
        for repo_id, number, head_sha, state in pulls:
            await upsert_pull_request(
                session, repo_id=repo_id, number=number, author="ada", base_ref="main", head_sha=head_sha, state=state
            )

    async with sessions() as session:
        found = await open_pull_requests_at(session, REPO, SHA)
        none = await open_pull_requests_at(session, REPO, "c" * 40)
    assert (found, none) == ([7, 9], [])


async def test_an_unfinished_run_is_found_by_its_job_until_it_finishes(sessions: Sessions) -> None:
    job_id = f"review:{REPO}:7:{SHA}"
    async with sessions.begin() as session:
        assert await unfinished_run(session, job_id) is None
        run_id = await start_review_run(session, repo_id=REPO, pr_number=7, head_sha=SHA, job_id=job_id)
        await start_review_run(session, repo_id=REPO, pr_number=7, head_sha=SHA, job_id=f"{job_id}:rerun")
    async with sessions.begin() as session:
        opened = await unfinished_run(session, job_id)
        await set_check_run(session, run_id, 40_000_000_001)
        await record_annotation_batches(session, run_id, 3)
    async with sessions.begin() as session:
        reporting = await unfinished_run(session, job_id)
        await finish_review_run(session, run_id, conclusion=None, error="worker shut down")
    async with sessions() as session:
        finished = await unfinished_run(session, job_id)

    assert opened == UnfinishedRun(id=run_id, check_run_id=None, annotation_batches_sent=0)
    assert reporting == UnfinishedRun(id=run_id, check_run_id=40_000_000_001, annotation_batches_sent=3)
    assert finished is None


async def test_annotation_batches_are_kept_by_a_retry_and_cleared_by_a_new_check_run(sessions: Sessions) -> None:
    job_id = f"review:{REPO}:7:{SHA}"
    async with sessions.begin() as session:
        run_id = await start_review_run(session, repo_id=REPO, pr_number=7, head_sha=SHA, job_id=job_id)
        await set_check_run(session, run_id, 11)
        await record_annotation_batches(session, run_id, 2)
    async with sessions.begin() as session:
        await start_review_run(session, repo_id=REPO, pr_number=7, head_sha=SHA, job_id=job_id)  # the retry
        retried = await unfinished_run(session, job_id)
        await set_check_run(session, run_id, 12)
        renewed = await unfinished_run(session, job_id)

    assert retried == UnfinishedRun(id=run_id, check_run_id=11, annotation_batches_sent=2)
    assert renewed == UnfinishedRun(id=run_id, check_run_id=12, annotation_batches_sent=0)


async def test_save_findings_stores_new_acknowledged_and_paid(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        run_id = await start_review_run(session, repo_id=REPO, pr_number=7, head_sha=SHA)
        saved = await save_findings(
            session,
            run_id,
            [finding("CODE001", "fp-new"), finding("CODE001", "fp-ack", acknowledged="tracked in #12")],
            paid=[finding("DEP001", "fp-paid", effort=15)],
        )

    assert saved == 3
    async with sessions() as session:
        rows = {r.fingerprint: r for r in await session.scalars(select(FindingRow))}
    assert {fp: r.state for fp, r in rows.items()} == {
        "fp-new": FindingState.NEW,
        "fp-ack": FindingState.ACKNOWLEDGED,
        "fp-paid": FindingState.PAID,
    }
    new = rows["fp-new"]
    assert (new.run_id, new.rule, new.slug, new.category, new.severity) == (
        run_id,
        "CODE001",
        "todo-comment",
        Category.CODE,
        Severity.LOW,
    )
    assert (new.path, new.line, new.end_line, new.message, new.effort_minutes) == (
        "src/train.py",
        5,
        6,
        "A TODO was added",
        30,
    )
    assert rows["fp-ack"].acknowledged_reason == "tracked in #12"
    assert rows["fp-paid"].effort_minutes == 15


async def test_debt_carried_over_is_stored_apart_for_the_ledger(sessions: Sessions) -> None:
    """Edited debt is neither new nor paid, but the merge's booking needs both of its fingerprints."""
    result = review(
        "diff --git a/src/a.py b/src/a.py\n--- a/src/a.py\n+++ b/src/a.py\n@@ -1 +1 @@\n"
        "-x = 1  # TODO: retry on timeout\n+x = 2  # TODO: retry on timeouts (see #12)\n"
    )
    async with sessions.begin() as session:
        run_id = await start_review_run(session, repo_id=REPO, pr_number=7, head_sha=SHA)
        saved = await save_result(session, run_id, result, {})

    assert (saved, result.findings, result.paid) == (2, (), ())
    async with sessions() as session:
        rows = {r.state: r.fingerprint for r in await session.scalars(select(FindingRow))}
    assert rows == {
        FindingState.CARRIED: result.carried[0].fingerprint,
        FindingState.CARRIED_FROM: result.carried_from[0].fingerprint,
    }
    async with sessions() as session:
        stored = list(await session.scalars(select(FindingRow)))
    # The merge's booking moves the debt from what it was to what it is: nothing accrued, nothing paid.
    booking = merges.booking_of(stored)
    assert {was: debt.fingerprint for was, debt in booking.move.items()} == {
        result.carried_from[0].fingerprint: result.carried[0].fingerprint
    }
    assert (booking.accrue, booking.pay) == ([], frozenset())
    # Rows stored before edits recorded what they were: the old debt is paid and the new one owed.
    for row in stored:
        row.occurrences = [{k: v for k, v in hit.items() if k != "was"} for hit in row.occurrences or []]
    legacy = merges.booking_of(stored)
    assert legacy.move == {}
    assert ([d.fingerprint for d in legacy.accrue], legacy.pay) == (
        [result.carried[0].fingerprint],
        frozenset({result.carried_from[0].fingerprint}),
    )


async def test_saving_a_runs_findings_again_replaces_them(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        run_id = await start_review_run(session, repo_id=REPO, pr_number=7, head_sha=SHA)
        other_run = await start_review_run(session, repo_id=REPO, pr_number=8, head_sha=SHA)
        await save_findings(session, run_id, [finding("CODE001", "fp-1"), finding("CODE001", "fp-2")])
        await save_findings(session, other_run, [finding("CODE001", "fp-9")])
    async with sessions.begin() as session:
        assert await save_findings(session, run_id, [finding("CODE001", "fp-1")]) == 1

    async with sessions() as session:
        stored = {(r.run_id, r.fingerprint) for r in await session.scalars(select(FindingRow))}
    assert stored == {(run_id, "fp-1"), (other_run, "fp-9")}


async def test_deleting_a_run_deletes_its_findings(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        run_id = await start_review_run(session, repo_id=REPO, pr_number=7, head_sha=SHA)
        await save_findings(session, run_id, [finding("CODE001", "fp-1")])
    async with sessions.begin() as session:
        await session.execute(delete(ReviewRun).where(ReviewRun.id == run_id))

    async with sessions() as session:
        assert list(await session.scalars(select(FindingRow))) == []


# --- comments -------------------------------------------------------------------------------------------------------


async def test_posted_fingerprints_are_per_pull_request_and_inline_only(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        assert await posted_fingerprints(session, REPO, 7) == set()
        for number, fingerprint, comment_id in ((7, "fp-1", 1), (7, "fp-2", 2), (8, "fp-3", 3)):
            await record_posted_comment(
                session,
                repo_id=REPO,
                pr_number=number,
                fingerprint=fingerprint,
                comment_id=comment_id,
                kind=CommentKind.INLINE,
            )
        await record_posted_comment(session, repo_id=REPO, pr_number=7, comment_id=4, kind=CommentKind.STICKY)

    async with sessions() as session:
        assert await posted_fingerprints(session, REPO, 7) == {"fp-1", "fp-2"}
        assert await posted_fingerprints(session, REPO, 8) == {"fp-3"}
        assert await posted_fingerprints(session, REPO + 1, 7) == set()


async def test_sticky_comment_id_follows_the_latest_record(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        assert await sticky_comment_id(session, REPO, 7) is None
        await record_posted_comment(
            session, repo_id=REPO, pr_number=7, comment_id=5_000_000_001, kind=CommentKind.STICKY
        )
    async with sessions.begin() as session:
        # The summary was deleted on GitHub and posted anew: one record, the new id.
        await record_posted_comment(
            session, repo_id=REPO, pr_number=7, comment_id=5_000_000_002, kind=CommentKind.STICKY
        )

    async with sessions() as session:
        assert await sticky_comment_id(session, REPO, 7) == 5_000_000_002
        assert await sticky_comment_id(session, REPO, 8) is None


async def test_an_inline_comment_needs_a_fingerprint(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        with pytest.raises(ValueError, match="fingerprint"):
            await record_posted_comment(session, repo_id=REPO, pr_number=7, comment_id=1, kind=CommentKind.INLINE)
