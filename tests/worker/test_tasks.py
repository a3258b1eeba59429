"""The worker's jobs run against the fake GitHub over HTTP and a real SQLite database (Redis where a job queues)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq import Retry
from arq.connections import ArqRedis, RedisSettings, create_pool
from githubkit.exception import RequestFailed
from sqlalchemy import delete, select

from bot import tasks
from bot.db.models import CommentKind, FindingRow, PostedComment, PullRequest, PullRequestState, ReviewRun, RunStatus
from bot.jobs import (
    AcceptCommand,
    DeliveryId,
    HeadReviewRequest,
    HeadSha,
    PullRequestClosed,
    RepoRef,
    ReviewCommentCommand,
    ReviewRequest,
    SyncInstallation,
)
from bot.publish.comments import MARKER as FINGERPRINT_MARKER
from bot.publish.comments import parse_markers
from bot.publish.sticky import MARKER
from bot.worker import functions
from bot.worker_context import REDIS, deps_of
from tests.fakegithub import FakeGitHub
from tests.worker.conftest import job_ctx
from tests.worker.world import AUTHOR, DEBT_ANCHORED, DEBT_FILES, DEBT_RULES, OWN, REPO, World

pytest_plugins = ["tests.fakegithub.plugin"]
pytestmark = pytest.mark.anyio

Ctx = dict[str, Any]
CONFIG = ".github/debtbot.yml"
PULL = r"/repos/octo-org/widgets/pulls/7$"
CHECK_RUN_UPDATE = r"/repos/octo-org/widgets/check-runs/\d+$"
#: Sixty TODOs in one new file: sixty annotations, sent as a batch of 50 and a batch of 10.
MANY_TODOS = {"todo.py": "".join(f"# TODO: handle case {i} properly\n" for i in range(60))}


async def review(worker_ctx: Ctx, request: ReviewRequest, *, job_try: int = 1) -> str:
    return await tasks.review_pull_request(job_ctx(worker_ctx, request.job_id, job_try), request.to_queue())


async def runs(worker_ctx: Ctx) -> list[ReviewRun]:
    async with deps_of(worker_ctx).sessions() as session:
        return list(await session.scalars(select(ReviewRun).order_by(ReviewRun.id)))


async def recorded_inline(worker_ctx: Ctx) -> dict[str, int]:
    """The inline comments the database knows of: fingerprint -> GitHub comment id."""
    async with deps_of(worker_ctx).sessions() as session:
        rows = await session.execute(
            select(PostedComment.fingerprint, PostedComment.github_comment_id).where(
                PostedComment.kind == CommentKind.INLINE
            )
        )
        return {row.fingerprint: row.github_comment_id for row in rows}


async def forget_posted_comments(worker_ctx: Ctx) -> None:
    """What a lost database, or one restored from an older backup, knows of the comments: nothing."""
    async with deps_of(worker_ctx).sessions.begin() as session:
        await session.execute(delete(PostedComment))


def rules_of(annotations: list[dict[str, Any]]) -> set[str]:
    return {a["title"].split()[0] for a in annotations}


def diff_then_fail(fake: FakeGitHub, status: int, *, times: int) -> None:
    """The pull request answers once (its own GET), then its diff fails `times` times (the same URL)."""
    fake.slow("GET", PULL, 0.0, times=1)
    fake.fail("GET", PULL, status, times=times)


# --- a review from start to end -------------------------------------------------------------------------------------


async def test_a_review_publishes_its_check_run_inline_comments_and_summary(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    pull = world.open_pull(7, DEBT_FILES)

    outcome = await review(worker_ctx, world.review_request(7))

    assert outcome == "success"
    (check,) = fake_github.check_runs(head_sha=pull.head_sha)
    assert (check.name, check.status, check.conclusion) == ("debtbot", "completed", "failure")
    assert rules_of(check.annotations) == DEBT_RULES
    assert check.bodies[0]["status"] == "in_progress"  # shown as in progress at once
    (posted,) = fake_github.reviews(REPO, 7)
    assert posted.commit_id == pull.head_sha
    assert {c["body"].split("**")[3] for c in posted.comments} == DEBT_ANCHORED
    assert all(len(parse_markers(c["body"])) == 1 for c in posted.comments)
    (sticky,) = fake_github.comments(REPO, 7)
    assert sticky.body.startswith(MARKER)
    assert pull.head_sha[:12] in sticky.body

    (run,) = await runs(worker_ctx)
    assert (run.status, run.conclusion, run.check_run_id, run.findings_count) == (
        RunStatus.COMPLETED,
        "failure",
        check.id,
        len(DEBT_RULES),
    )
    async with deps_of(worker_ctx).sessions() as session:
        inline = set(
            await session.scalars(select(PostedComment.fingerprint).where(PostedComment.kind == CommentKind.INLINE))
        )
        stored = set(await session.scalars(select(FindingRow.rule).where(FindingRow.run_id == run.id)))
        pr = await session.scalar(select(PullRequest).where(PullRequest.number == 7))
    assert inline == set().union(*(parse_markers(c["body"]) for c in posted.comments))
    assert stored == DEBT_RULES
    assert pr is not None
    assert (pr.author, pr.head_sha, pr.state) == (AUTHOR, pull.head_sha, PullRequestState.OPEN)


async def test_a_head_that_moved_on_is_not_reviewed(world: World, fake_github: FakeGitHub, worker_ctx: Ctx) -> None:
    first = world.open_pull(7, DEBT_FILES).head_sha
    request = world.review_request(7)
    world.push(7, {"README.md": "# widgets, again\n"})

    assert await review(worker_ctx, request) == "ignored"

    assert fake_github.check_runs() == []
    assert fake_github.reviews(REPO, 7) == []
    assert fake_github.comments(REPO, 7) == []
    assert await runs(worker_ctx) == []
    assert first != world.pulls[7].head_sha


async def test_the_same_debt_at_a_new_head_is_not_commented_again(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    world.open_pull(7, DEBT_FILES)
    await review(worker_ctx, world.review_request(7))
    pushed = world.push(7, {"README.md": "# widgets\n\nNow with a model.\n"})

    assert await review(worker_ctx, world.review_request(7, delivery="delivery-2")) == "success"

    assert len(fake_github.reviews(REPO, 7)) == 1
    (second,) = fake_github.check_runs(head_sha=pushed.head_sha)
    assert (second.conclusion, rules_of(second.annotations)) == ("failure", DEBT_RULES)
    (sticky,) = fake_github.comments(REPO, 7)
    assert len(sticky.history) == 1  # edited in place
    assert pushed.head_sha[:12] in sticky.body


async def test_the_same_debt_is_not_commented_again_when_the_database_forgot_the_comments(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    world.open_pull(7, DEBT_FILES)
    await review(worker_ctx, world.review_request(7))
    first = fake_github.review_comments(REPO, 7)
    for round_ in (2, 3):
        await forget_posted_comments(worker_ctx)
        world.push(7, {"README.md": f"# widgets, round {round_}\n"})

        assert await review(worker_ctx, world.review_request(7, delivery=f"delivery-{round_}")) == "success"

    assert len(first) == len(DEBT_ANCHORED)
    assert fake_github.review_comments(REPO, 7) == first
    assert len(fake_github.reviews(REPO, 7)) == 1
    (sticky,) = fake_github.comments(REPO, 7)  # found again by its marker too, and edited
    assert len(sticky.history) == 2


async def test_a_fingerprint_marker_pasted_by_someone_else_does_not_keep_debt_from_being_commented(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    world.open_pull(7, DEBT_FILES)
    await review(worker_ctx, world.review_request(7))
    markers = set().union(*(parse_markers(c.body) for c in fake_github.review_comments(REPO, 7)))
    world.open_pull(8, DEBT_FILES)  # the same debt: the same fingerprints
    pasted = "\n".join(FINGERPRINT_MARKER.format(fingerprint=f) for f in sorted(markers))
    fake_github.add_review_comment(REPO, 8, f"Not debt.\n{pasted}", path="requirements.txt", line=3, user="mallory")
    fake_github.add_review_comment(REPO, 8, pasted, path="train.py", line=6, user="lookalike[bot]")

    assert await review(worker_ctx, world.review_request(8)) == "success"

    ours = [r for r in fake_github.reviews(REPO, 8) if r.user == "debtbot[bot]"]
    assert len(ours) == 1
    assert set().union(*(parse_markers(c["body"]) for c in ours[0].comments)) == markers


async def test_each_inline_comment_is_recorded_under_its_own_id(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    world.open_pull(7, DEBT_FILES)

    await review(worker_ctx, world.review_request(7))

    (posted,) = fake_github.reviews(REPO, 7)
    on_github = {marker: c.id for c in fake_github.review_comments(REPO, 7) for marker in parse_markers(c.body)}
    assert len(on_github) == len(DEBT_ANCHORED)
    assert await recorded_inline(worker_ctx) == on_github
    assert posted.id not in on_github.values()


async def test_the_summary_says_resolved_once_the_debt_is_paid(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    world.open_pull(7, DEBT_FILES)
    await review(worker_ctx, world.review_request(7))
    paid = {"requirements.txt": "numpy==1.26.4\npandas==2.2.2\ntorch==2.4.1\n", "train.py": "x = 1\n"}
    clean = world.push(7, paid, removed=("models/model.pkl",))

    await review(worker_ctx, world.review_request(7, delivery="delivery-2"))

    (check,) = fake_github.check_runs(head_sha=clean.head_sha)
    assert check.conclusion == "success"
    (sticky,) = fake_github.comments(REPO, 7)
    assert "resolved" in sticky.body
    assert clean.head_sha[:12] in sticky.body


async def test_the_base_config_sets_the_comment_limit_and_the_summary_mode(
    fake_github: FakeGitHub, tmp_path: Any, worker_ctx: Ctx
) -> None:
    config = "comments:\n  max_inline: 1\n  sticky_summary: never\n"
    world = World.create(fake_github, tmp_path / "repo", base_files={"train.py": "x = 1\n", CONFIG: config})
    world.open_pull(7, DEBT_FILES)

    await review(worker_ctx, world.review_request(7))

    (posted,) = fake_github.reviews(REPO, 7)
    assert len(posted.comments) == 1
    assert "more finding" in posted.body
    assert fake_github.comments(REPO, 7) == []


async def test_a_comment_github_cannot_place_is_dropped_and_the_review_posted_again(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    world.open_pull(7, DEBT_FILES)
    refusal = {
        "message": "Unprocessable Entity",
        "errors": ["Pull request review thread line must be part of the diff"],
        "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
        "status": "422",
    }
    fake_github.fail("POST", r"/pulls/7/reviews$", 422, body=refusal)

    assert await review(worker_ctx, world.review_request(7)) == "success"

    (posted,) = fake_github.reviews(REPO, 7)
    assert posted.comments == []
    assert "4 more findings are in" in posted.body  # the three refused and the file-level one
    (check,) = fake_github.check_runs()
    assert rules_of(check.annotations) == DEBT_RULES
    async with deps_of(worker_ctx).sessions() as session:
        recorded = list(await session.scalars(select(PostedComment).where(PostedComment.kind == CommentKind.INLINE)))
    assert recorded == []  # not posted, so tried again on the next head


async def test_a_summary_deleted_by_someone_is_posted_anew(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    world.open_pull(7, DEBT_FILES)
    await review(worker_ctx, world.review_request(7))
    (deleted,) = fake_github.comments(REPO, 7)
    with fake_github.lock:
        del fake_github.world.comments[deleted.id]
    world.push(7, {"README.md": "# widgets v2\n"})

    await review(worker_ctx, world.review_request(7, delivery="delivery-2"))

    (summary,) = fake_github.comments(REPO, 7)
    assert summary.id != deleted.id
    async with deps_of(worker_ctx).sessions() as session:
        recorded = await session.scalar(select(PostedComment.github_comment_id).where(PostedComment.kind == "sticky"))
    assert recorded == summary.id


async def test_comments_github_refuses_do_not_sink_the_check_run(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    world.open_pull(7, DEBT_FILES)
    fake_github.fail("POST", r"/issues/7/comments$", 403)  # "Resource not accessible by integration"

    assert await review(worker_ctx, world.review_request(7)) == "success"

    assert fake_github.comments(REPO, 7) == []
    (check,) = fake_github.check_runs()
    assert (check.status, check.conclusion, rules_of(check.annotations)) == ("completed", "failure", DEBT_RULES)


# --- failures -------------------------------------------------------------------------------------------------------


async def test_a_server_error_retries_the_job_later_on_the_same_check_run(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    world.open_pull(7, DEBT_FILES)
    request = world.review_request(7)
    diff_then_fail(fake_github, 502, times=3)  # the first try and githubkit's two quick retries

    with pytest.raises(Retry) as retried:
        await review(worker_ctx, request)

    assert retried.value.defer_score == 10  # ms: the test's cap on the classifier's wait
    (check,) = fake_github.check_runs()
    assert check.status == "in_progress"

    assert await review(worker_ctx, request, job_try=2) == "success"

    assert [(c.id, c.status, c.conclusion) for c in fake_github.check_runs()] == [(check.id, "completed", "failure")]
    (run,) = await runs(worker_ctx)
    assert (run.attempts, run.status) == (2, RunStatus.COMPLETED)


async def test_a_retry_that_finds_the_head_moved_on_closes_the_check_run_it_left_open(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    world.open_pull(7, DEBT_FILES)
    request = world.review_request(7)
    diff_then_fail(fake_github, 502, times=3)
    with pytest.raises(Retry):
        await review(worker_ctx, request)
    newer = world.push(7, {"README.md": "# widgets v2\n"}).head_sha

    assert await review(worker_ctx, request, job_try=2) == "ignored"

    (check,) = fake_github.check_runs()
    assert (check.status, check.conclusion) == ("completed", "neutral")
    assert check.output["title"] == (
        f"Could not complete the review: the pull request moved on to commit {newer[:12]}, reviewed on its own"
    )
    assert fake_github.reviews(REPO, 7) == []
    (run,) = await runs(worker_ctx)
    assert run.status is RunStatus.COMPLETED


async def test_a_retried_job_does_not_send_the_annotation_batches_it_sent_before(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    world.open_pull(7, MANY_TODOS)
    request = world.review_request(7)
    fake_github.slow("PATCH", CHECK_RUN_UPDATE, 0.0, times=1)  # the first batch goes through
    fake_github.fail("PATCH", CHECK_RUN_UPDATE, 502)  # the second fails, and is not sent again within the try

    with pytest.raises(Retry):
        await review(worker_ctx, request)

    (check,) = fake_github.check_runs()
    assert (check.status, len(check.annotations)) == ("in_progress", 50)
    (interrupted,) = await runs(worker_ctx)
    assert interrupted.annotation_batches_sent == 1

    assert await review(worker_ctx, request, job_try=2) == "success"

    (check,) = fake_github.check_runs()
    assert (check.status, check.conclusion) == ("completed", "failure")
    assert sorted(a["start_line"] for a in check.annotations) == list(range(1, 61))  # each once
    assert [len(b["output"].get("annotations", [])) for b in check.bodies] == [0, 50, 10]  # create, then 2 batches
    (run,) = await runs(worker_ctx)
    assert (run.status, run.attempts, run.annotation_batches_sent) == (RunStatus.COMPLETED, 2, 2)
    assert len(fake_github.reviews(REPO, 7)) == 1


async def test_a_batch_github_made_before_answering_5xx_is_found_on_the_check_run_and_not_sent_again(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    world.open_pull(7, MANY_TODOS)
    request = world.review_request(7)
    fake_github.slow("PATCH", CHECK_RUN_UPDATE, 0.0, times=1)  # the first batch goes through
    fake_github.fail("PATCH", CHECK_RUN_UPDATE, 502, applied=True)  # the second is made, then answered 502

    with pytest.raises(Retry):
        await review(worker_ctx, request)
    (interrupted,) = await runs(worker_ctx)
    assert interrupted.annotation_batches_sent == 1  # all this try knows

    assert await review(worker_ctx, request, job_try=2) == "success"

    (check,) = fake_github.check_runs()
    assert (check.status, check.conclusion) == ("completed", "failure")
    assert sorted(a["start_line"] for a in check.annotations) == list(range(1, 61))  # each once
    # Create, the two batches, then the completing update again without the batch GitHub already holds.
    assert [len(b["output"].get("annotations", [])) for b in check.bodies] == [0, 50, 10, 0]
    (run,) = await runs(worker_ctx)
    assert (run.status, run.attempts, run.annotation_batches_sent) == (RunStatus.COMPLETED, 2, 2)


async def test_the_last_try_completes_the_check_run_as_neutral_with_the_reason(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    world.open_pull(7, DEBT_FILES)
    diff_then_fail(fake_github, 503, times=3)

    assert await review(worker_ctx, world.review_request(7), job_try=3) == "failed"

    (check,) = fake_github.check_runs()
    assert (check.status, check.conclusion) == ("completed", "neutral")
    assert check.output["title"] == (
        "Could not complete the review: "
        "GitHub kept failing (3 tries): GitHub failed (503 on GET /repos/octo-org/widgets/pulls/7)"
    )
    (run,) = await runs(worker_ctx)
    assert (run.status, run.conclusion) == (RunStatus.COMPLETED, "neutral")
    assert run.error is not None


async def test_what_github_says_is_gone_ends_the_review_quietly_and_neutral(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    pull = world.open_pull(7, DEBT_FILES)
    fake_github.fail("GET", r"/git/trees/", 404)

    assert await review(worker_ctx, world.review_request(7)) == "ignored"

    (check,) = fake_github.check_runs(head_sha=pull.head_sha)
    assert (check.status, check.conclusion) == ("completed", "neutral")
    assert "gone or never there (404" in check.output["title"]
    assert fake_github.reviews(REPO, 7) == []


async def test_a_bug_completes_the_check_run_and_is_raised(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    world.open_pull(7, DEBT_FILES)
    fake_github.fail("GET", r"/git/trees/", 418)

    with pytest.raises(RequestFailed):
        await review(worker_ctx, world.review_request(7))

    (check,) = fake_github.check_runs()
    assert (check.status, check.conclusion) == ("completed", "neutral")
    assert "failed unexpectedly" in check.output["summary"]


async def test_a_rerun_request_gets_a_check_run_of_its_own(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx
) -> None:
    pull = world.open_pull(7, DEBT_FILES)
    await review(worker_ctx, world.review_request(7))
    rerun = world.review_request(7, delivery="rerun-delivery", rerun=True)

    await review(worker_ctx, rerun)

    checks = fake_github.check_runs(head_sha=pull.head_sha)
    assert [(c.status, c.conclusion) for c in checks] == [("completed", "failure")] * 2
    assert len({c.id for c in checks}) == 2
    assert len(fake_github.reviews(REPO, 7)) == 1  # the same findings: no second review
    assert [r.job_id for r in await runs(worker_ctx)] == [world.review_request(7).job_id, rerun.job_id]


# --- jobs around the review -----------------------------------------------------------------------------------------


@pytest.fixture
async def queue(redis_url: str, queue_name: str, worker_ctx: Ctx) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=queue_name)
    worker_ctx[REDIS] = deps_of(worker_ctx).redis = pool
    try:
        yield pool
    finally:
        await pool.aclose()


async def queued(pool: ArqRedis, queue_name: str) -> list[str]:
    return [job_id.decode() for job_id in await pool.zrange(queue_name, 0, -1)]


def command(world: World, author: str) -> ReviewCommentCommand:
    return ReviewCommentCommand(
        installation_id=OWN,
        delivery_id=DeliveryId("comment-delivery"),
        repo_id=world.repo_id,
        repo_full_name=REPO,
        pr_number=7,
        comment_id=1,
        author=author,
        author_association="NONE",
    )


async def test_a_review_command_of_the_author_queues_a_review_of_the_current_head(
    world: World, worker_ctx: Ctx, queue: ArqRedis, queue_name: str
) -> None:
    world.open_pull(7, DEBT_FILES)
    job = command(world, AUTHOR)

    assert await tasks.review_comment_command(job_ctx(worker_ctx, job.job_id), job.to_queue()) == "success"

    expected = world.review_request(7, delivery="comment-delivery", rerun=True)
    assert await queued(queue, queue_name) == [expected.job_id]


async def test_a_review_command_of_someone_without_write_access_is_ignored(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx, queue: ArqRedis, queue_name: str
) -> None:
    world.open_pull(7, DEBT_FILES)
    fake_github.set_permission(REPO, "bob", "read")
    fake_github.set_permission(REPO, "carol", "write")

    refused = await tasks.review_comment_command(job_ctx(worker_ctx, "c1"), command(world, "bob").to_queue())
    allowed = await tasks.review_comment_command(job_ctx(worker_ctx, "c2"), command(world, "carol").to_queue())

    assert (refused, allowed) == ("ignored", "success")
    assert len(await queued(queue, queue_name)) == 1


async def test_a_rerun_of_a_head_queues_the_open_pull_requests_recorded_at_it(
    world: World, worker_ctx: Ctx, queue: ArqRedis, queue_name: str
) -> None:
    pull = world.open_pull(7, DEBT_FILES)
    await review(worker_ctx, world.review_request(7))
    job = HeadReviewRequest(
        installation_id=OWN,
        delivery_id=DeliveryId("rerun-delivery"),
        repo_id=world.repo_id,
        repo_full_name=REPO,
        head_sha=HeadSha(pull.head_sha),
        trigger="check_run.rerequested",
    )

    assert await tasks.review_head(job_ctx(worker_ctx, job.job_id), job.to_queue()) == "success"

    expected = world.review_request(7, delivery="rerun-delivery", rerun=True)
    assert await queued(queue, queue_name) == [expected.job_id]


async def test_a_rerun_of_a_head_the_database_does_not_know_asks_github_for_its_pull_requests(
    world: World, fake_github: FakeGitHub, worker_ctx: Ctx, queue: ArqRedis, queue_name: str
) -> None:
    pull = world.open_pull(7, DEBT_FILES)  # never reviewed here: the database knows no pull request at its head
    world.open_pull(8, DEBT_FILES)
    fake_github.push(REPO, 8, diff=world.diff(world.base_sha, pull.head_sha), head_sha=pull.head_sha)
    world.push(8, {"README.md": "# widgets v2\n"})  # 8 had that head too, and moved on: not reviewed again
    job = HeadReviewRequest(
        installation_id=OWN,
        delivery_id=DeliveryId("rerun-delivery"),
        repo_id=world.repo_id,
        repo_full_name=REPO,
        head_sha=HeadSha(pull.head_sha),
        trigger="check_suite.rerequested",
    )

    assert await tasks.review_head(job_ctx(worker_ctx, job.job_id), job.to_queue()) == "success"

    expected = world.review_request(7, delivery="rerun-delivery", rerun=True)
    assert await queued(queue, queue_name) == [expected.job_id]
    asked = [r for r in fake_github.requests if r.operation_id == "repos/list-pull-requests-associated-with-commit"]
    assert [r.path for r in asked] == [f"/repos/{REPO}/commits/{pull.head_sha}/pulls"]


async def test_a_closed_pull_request_is_recorded_with_its_merge(world: World, worker_ctx: Ctx) -> None:
    pull = world.open_pull(7, DEBT_FILES)
    await review(worker_ctx, world.review_request(7))
    closed = PullRequestClosed(
        installation_id=OWN,
        delivery_id=DeliveryId("close"),
        repo_id=world.repo_id,
        repo_full_name=REPO,
        pr_number=7,
        merged=True,
        merge_commit_sha="e" * 40,
        author=AUTHOR,
        merged_at=None,
        head_sha=HeadSha(pull.head_sha),
        base_ref="main",
    )

    assert await tasks.pr_closed(job_ctx(worker_ctx, closed.job_id), closed.to_queue()) == "success"

    async with deps_of(worker_ctx).sessions() as session:
        pr = await session.scalar(select(PullRequest).where(PullRequest.number == 7))
    assert pr is not None
    assert (pr.state, pr.merged, pr.merge_commit_sha) == (PullRequestState.CLOSED, True, "e" * 40)


async def test_an_installation_and_its_repositories_are_recorded(world: World, worker_ctx: Ctx) -> None:
    from bot.db.models import Installation, Repository

    created = SyncInstallation(
        installation_id=OWN,
        delivery_id=DeliveryId("install"),
        event="installation",
        action="created",
        account_login="octo-org",
        repository_selection="selected",
        repositories=(RepoRef(id=world.repo_id, full_name=REPO), RepoRef(id=world.repo_id + 1, full_name="octo-org/b")),
    )
    removed = created.model_copy(
        update={
            "event": "installation_repositories",
            "action": "removed",
            "delivery_id": "remove",
            "repositories": (),
            "repositories_removed": (RepoRef(id=world.repo_id + 1, full_name="octo-org/b"),),
        }
    )

    for job in (created, removed):
        assert await tasks.sync_installation(job_ctx(worker_ctx, job.job_id), job.to_queue()) == "success"

    async with deps_of(worker_ctx).sessions() as session:
        installation = await session.get(Installation, OWN)
        repositories = {r.full_name: r.removed_at is None for r in await session.scalars(select(Repository))}
    assert installation is not None
    assert installation.account_login == "octo-org"
    assert repositories == {REPO: True, "octo-org/b": False}


def test_the_worker_runs_every_job_routing_queues() -> None:
    names = {f.name for f in functions()}
    routed = {
        ReviewRequest.name,
        HeadReviewRequest.name,
        ReviewCommentCommand.name,
        AcceptCommand.name,
        PullRequestClosed.name,
        SyncInstallation.name,
        "review_push",
    }
    # And the baseline scan, queued by the installation's sync job.
    assert names == routed | {"baseline_scan"}
