"""Check runs, reviews, comments and issues written through the gateway, as the fake GitHub stores them."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from bot.github import GitHubKitGateway, IssueRef, WritePacer
from bot.github.metering import MeteredTransport
from tests.fakegithub import FakeGitHub, shared_app_key
from tests.fakegithub.keys import FAKE_APP_ID
from tests.gateway.world import HEAD, OWN, REPO, make_app

pytest_plugins = ["tests.fakegithub.plugin"]
pytestmark = pytest.mark.anyio


def annotation(line: int) -> dict[str, Any]:
    return {
        "path": "train.py",
        "start_line": line,
        "end_line": line,
        "annotation_level": "warning",
        "title": "CODE001",
        "message": f"debt on line {line}",
    }


async def test_check_run_is_created_in_progress(fake: FakeGitHub) -> None:
    output = {"title": "Reviewing the change", "summary": "debtbot is reviewing this change."}
    async with make_app(fake) as app:
        run_id = await app.gateway_for(OWN).create_check_run(
            REPO, HEAD, "debtbot", "in_progress", output=output, external_id="review:1:7", details_url="https://x.test"
        )

    (run,) = fake.check_runs(repo=REPO)
    assert (run.id, run.head_sha, run.name, run.status, run.conclusion) == (
        run_id,
        HEAD,
        "debtbot",
        "in_progress",
        None,
    )
    assert (run.output, run.external_id, run.details_url) == (output, "review:1:7", "https://x.test")


async def test_check_run_is_completed_with_annotations_in_batches(fake: FakeGitHub) -> None:
    async with make_app(fake) as app:
        gateway = app.gateway_for(OWN)
        run_id = await gateway.create_check_run(REPO, HEAD, "debtbot", "queued")
        summary = {"title": "2 findings", "summary": "Debt found."}
        await gateway.update_check_run(
            REPO,
            run_id,
            status="in_progress",
            output={**summary, "annotations": [annotation(n) for n in range(1, 51)]},
        )
        await gateway.update_check_run(
            REPO,
            run_id,
            name="debtbot",
            conclusion="neutral",
            output={**summary, "annotations": [annotation(51)]},
        )

    (run,) = fake.check_runs(repo=REPO)
    assert (run.status, run.conclusion, run.output) == ("completed", "neutral", summary)
    assert [a["start_line"] for a in run.annotations] == list(range(1, 52))
    assert run.bodies[1] == {"status": "in_progress", "output": {**summary, "annotations": run.annotations[:50]}}


async def test_a_check_run_can_be_created_completed(fake: FakeGitHub) -> None:
    async with make_app(fake) as app:
        await app.gateway_for(OWN).create_check_run(
            REPO, HEAD, "debtbot", "completed", conclusion="skipped", output={"title": "Draft", "summary": "Skipped."}
        )

    (run,) = fake.check_runs(repo=REPO)
    assert (run.status, run.conclusion) == ("completed", "skipped")


async def test_more_than_fifty_annotations_in_one_request_are_refused_before_sending(fake: FakeGitHub) -> None:
    output = {"title": "t", "summary": "s", "annotations": [annotation(n) for n in range(1, 52)]}
    async with make_app(fake) as app:
        gateway = app.gateway_for(OWN)
        run_id = await gateway.create_check_run(REPO, HEAD, "debtbot", "in_progress")
        with pytest.raises(ValueError, match="51 annotations"):
            await gateway.update_check_run(REPO, run_id, output=output)

    assert [r.method for r in fake.requests if "/check-runs" in r.path] == ["POST"]


async def test_review_comments_on_the_diff(fake: FakeGitHub) -> None:
    comments = [
        {"path": "train.py", "line": 2, "side": "RIGHT", "body": "<!-- debtbot:fp=1 -->\nadded line"},
        {"path": "data.py", "line": 41, "side": "RIGHT", "body": "<!-- debtbot:fp=2 -->\nadded line"},
    ]
    async with make_app(fake) as app:
        review_id = await app.gateway_for(OWN).create_review(REPO, 7, HEAD, "debtbot: 2 new debt findings", comments)

    (review,) = fake.reviews(REPO, 7)
    assert (review.id, review.state, review.commit_id, review.body) == (
        review_id,
        "COMMENTED",
        HEAD,
        "debtbot: 2 new debt findings",
    )
    assert review.comments == comments


async def test_sticky_comment_is_created_then_edited(fake: FakeGitHub) -> None:
    async with make_app(fake) as app:
        gateway = app.gateway_for(OWN)
        created = await gateway.create_issue_comment(REPO, 7, "<!-- debtbot:summary -->\nv1")
        edited = await gateway.update_issue_comment(REPO, created.id, "<!-- debtbot:summary -->\nv2")
        listed = await gateway.list_issue_comments(REPO, 7)

    assert (created.id, created.author, created.body) == (edited.id, "debtbot[bot]", "<!-- debtbot:summary -->\nv1")
    assert edited.body == "<!-- debtbot:summary -->\nv2"
    assert created.html_url.endswith(f"#issuecomment-{created.id}")
    assert listed == [edited]
    (stored,) = fake.comments(REPO, 7)
    assert stored.history == ["<!-- debtbot:summary -->\nv1"]


async def test_weekly_report_issue_is_created(fake: FakeGitHub) -> None:
    async with make_app(fake) as app:
        created = await app.gateway_for(OWN).create_issue(REPO, "Debt this week", "3 paid, 1 new", labels=["debt"])

    assert (created.number, created.state) == (8, "open")  # issues and pull requests share numbers
    (issue,) = fake.issues(REPO)
    assert (issue.id, issue.title, issue.body, issue.labels) == (
        created.id,
        "Debt this week",
        "3 paid, 1 new",
        ["debt"],
    )


async def test_weekly_report_issue_is_updated() -> None:
    """The fake GitHub does not serve `issues/update` yet: this checks the request against GitHub's documented shape."""
    sent: list[httpx.Request] = []

    def github(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.path == f"/app/installations/{OWN}/access_tokens":
            return httpx.Response(201, json={"token": "ghs_" + "t" * 36, "expires_at": "2099-01-01T00:00:00Z"})
        issue = {"id": 5001, "number": 8, "state": "closed", "html_url": "https://github.com/octo-org/widgets/issues/8"}
        return httpx.Response(200, json=issue)

    transport = MeteredTransport(httpx.MockTransport(github), observer=None)
    gateway = GitHubKitGateway(
        app_id=FAKE_APP_ID,
        private_key=shared_app_key().private_pem,
        installation_id=OWN,
        base_url="https://api.github.com",
        pacer=WritePacer(0),
        transport=transport,
    )
    closed = await gateway.update_issue(REPO, 8, body="3 paid, 2 new", state="closed", labels=[])

    assert closed == IssueRef(
        id=5001, number=8, state="closed", html_url="https://github.com/octo-org/widgets/issues/8"
    )
    request = sent[-1]
    assert (request.method, request.url.path) == ("PATCH", "/repos/octo-org/widgets/issues/8")
    assert request.headers["authorization"] == "token ghs_" + "t" * 36
    assert json.loads(request.content) == {"body": "3 paid, 2 new", "state": "closed", "labels": []}
