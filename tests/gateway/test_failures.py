"""GitHub failing: short waits are retried inside the request, long ones surface for `classify` to defer the job."""

from __future__ import annotations

import pytest
from githubkit.exception import (
    PrimaryRateLimitExceeded,
    RequestFailed,
    RequestTimeout,
    SecondaryRateLimitExceeded,
)

from bot.errors import RetryLater, classify
from bot.github import ShortRetry
from tests.fakegithub import FakeGitHub
from tests.gateway.test_writes import annotation
from tests.gateway.world import HEAD, OWN, REPO, make_app, status_of

pytest_plugins = ["tests.fakegithub.plugin"]
pytestmark = pytest.mark.anyio


async def test_a_server_error_is_retried_inside_the_request(fake: FakeGitHub) -> None:
    fake.fail("GET", r"/pulls/7$", 502)
    async with make_app(fake) as app:
        pull = await app.gateway_for(OWN).get_pull(REPO, 7)

    assert pull.number == 7
    assert status_of(fake, "/pulls/7") == [502, 200]


async def test_server_errors_past_two_retries_surface_as_retry_later(fake: FakeGitHub) -> None:
    fake.fail("GET", r"/pulls/7/files$", 503, times=3)
    async with make_app(fake) as app:
        with pytest.raises(RequestFailed) as failed:
            await app.gateway_for(OWN).list_files(REPO, 7)

    assert status_of(fake, "/pulls/7/files") == [503, 503, 503]
    outcome = classify(failed.value)
    assert isinstance(outcome, RetryLater)
    assert "503" in outcome.reason


async def test_a_post_that_failed_with_a_server_error_is_not_sent_again(fake: FakeGitHub) -> None:
    """GitHub may have created the review before failing: the job, which checks what is there, retries instead."""
    fake.fail("POST", r"/pulls/7/reviews$", 502)
    comments = [{"path": "train.py", "line": 2, "body": "x"}]
    async with make_app(fake) as app:
        with pytest.raises(RequestFailed) as failed:
            await app.gateway_for(OWN).create_review(REPO, 7, HEAD, "body", comments)

    assert status_of(fake, "/pulls/7/reviews") == [502]
    assert isinstance(classify(failed.value), RetryLater)


async def test_a_secondary_limit_of_no_wait_is_retried_at_once(fake: FakeGitHub) -> None:
    """`retry-after: 0`: githubkit would read the zero wait as "sleep 60 seconds"; the retry waits 50 ms."""
    fake.fail_secondary_rate_limit("POST", r"/check-runs$", retry_after=0, status=429)
    async with make_app(fake) as app:
        run_id = await app.gateway_for(OWN).create_check_run(REPO, HEAD, "debtbot", "queued")

    assert [run.id for run in fake.check_runs(repo=REPO)] == [run_id]
    assert status_of(fake, "/check-runs") == [429, 201]


@pytest.mark.parametrize("status", [403, 429])
async def test_a_long_secondary_limit_surfaces_with_its_wait(fake: FakeGitHub, status: int) -> None:
    fake.fail_secondary_rate_limit("POST", r"/issues/7/comments$", retry_after=120, status=status)
    async with make_app(fake) as app:
        with pytest.raises(SecondaryRateLimitExceeded) as limited:
            await app.gateway_for(OWN).create_issue_comment(REPO, 7, "summary")

    assert status_of(fake, "/issues/7/comments") == [status]  # not waited out inside the request
    assert classify(limited.value) == RetryLater(
        120, f"secondary rate limit ({status} on POST /repos/{REPO}/issues/7/comments)"
    )
    assert fake.comments(REPO, 7) == []


async def test_an_exhausted_budget_surfaces_with_the_wait_until_its_reset(fake: FakeGitHub) -> None:
    async with make_app(fake) as app:
        gateway = app.gateway_for(OWN)
        await gateway.get_pull(REPO, 7)
        fake.set_rate_limit_remaining(OWN, 0, reset_in=1800)
        with pytest.raises(PrimaryRateLimitExceeded) as limited:
            await gateway.get_diff(REPO, 7)

    outcome = classify(limited.value)
    assert isinstance(outcome, RetryLater)
    assert 1700 < outcome.seconds <= 1801


async def test_a_hung_github_times_out_within_the_configured_timeout(fake: FakeGitHub) -> None:
    fake.hang("GET", r"/pulls/7$")
    async with make_app(fake, timeout=0.5) as app:
        with pytest.raises(RequestTimeout) as hung:
            await app.gateway_for(OWN).get_pull(REPO, 7)

    outcome = classify(hung.value)
    assert isinstance(outcome, RetryLater)
    assert "did not answer in time" in outcome.reason


async def test_a_timeout_is_not_retried_inside_the_request(fake: FakeGitHub) -> None:
    failure = fake.hang("GET", r"/pulls/7$", times=None)
    async with make_app(fake, timeout=0.3, retry=ShortRetry(server_error_wait=0.01)) as app:
        with pytest.raises(RequestTimeout):
            await app.gateway_for(OWN).get_pull(REPO, 7)

    assert failure.hits == 1


async def test_a_check_run_update_carrying_annotations_is_not_sent_again_after_a_server_error(fake: FakeGitHub) -> None:
    """GitHub appends an update's annotations: the one it made before a proxy's 502 must not be made twice. The
    update without annotations, which is the same however often it is made, is retried as any PATCH."""
    async with make_app(fake) as app:
        gateway = app.gateway_for(OWN)
        run_id = await gateway.create_check_run(REPO, HEAD, "debtbot", "in_progress")
        fake.fail("PATCH", rf"/check-runs/{run_id}$", 502, applied=True)
        with pytest.raises(RequestFailed) as failed:
            await gateway.update_check_run(
                REPO, run_id, output={"title": "t", "summary": "s", "annotations": [annotation(1)]}
            )
        assert isinstance(classify(failed.value), RetryLater)
        assert await gateway.check_run_annotations(REPO, run_id) == 1  # what the job's next try reads

        fake.fail("PATCH", rf"/check-runs/{run_id}$", 502, applied=True)
        await gateway.update_check_run(REPO, run_id, conclusion="neutral", output={"title": "t", "summary": "s"})

    answered = [(r.method, r.status) for r in fake.requests if r.path.endswith(f"/check-runs/{run_id}")]
    assert answered == [("PATCH", 502), ("GET", 200), ("PATCH", 502), ("PATCH", 200)]
    (run,) = fake.check_runs(repo=REPO)
    assert (run.conclusion, len(run.annotations)) == ("neutral", 1)
