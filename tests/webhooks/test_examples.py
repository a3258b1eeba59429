"""Every one of GitHub's 69 example deliveries, signed and posted to the route, gets the answer it should."""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
import pytest

from tests.webhooks.deliveries import example, example_names
from tests.webhooks.fakes import MemoryEnqueuer, MemoryRecorder

pytestmark = pytest.mark.anyio


@dataclass(frozen=True)
class Queued:
    job_name: str
    job_id: str


@dataclass(frozen=True)
class Ignored:
    reason: str


@dataclass(frozen=True)
class Pong:
    pass


REVIEW_2 = "review:186853002:2:ec26c3e57ca3a959ca5aad62de7213c562f8c821"
NOT_A_PR = Ignored("comment on an issue, not on a pull request")
TAG_PUSH = Ignored("push to refs/tags/simple-tag, not to the default branch master")
NEW_DEFAULT_BRANCH = Ignored("push created the default branch: there is no earlier commit to compare with")


def unchanged(action: str) -> Ignored:
    return Ignored(f"pull_request.{action} does not change the code under review")


def other_app(event: str, app: int) -> Ignored:
    return Ignored(f"{event} of another app (app id {app}, ours is 29310)")


# Our app id is 29310 (Codertocat's app in the examples), so its check events count as ours; the
# check_run examples of apps 2 and 25811 are another app's. `{delivery}` is the request's delivery id.
EXPECTED: dict[str, Queued | Ignored | Pong] = {
    "check_run/completed.1.payload.json": Ignored(
        "check_run.completed: only a re-run request of our check run starts a review"
    ),
    "check_run/completed.payload.json": Ignored(
        "check_run.completed: only a re-run request of our check run starts a review"
    ),
    "check_run/completed.with-organization.payload.json": Ignored(
        "check_run.completed: only a re-run request of our check run starts a review"
    ),
    "check_run/created.payload.json": Ignored(
        "check_run.created: only a re-run request of our check run starts a review"
    ),
    "check_run/created.with-organization.payload.json": Ignored(
        "check_run.created: only a re-run request of our check run starts a review"
    ),
    "check_run/requested_action.payload.json": other_app("check_run", 25811),
    "check_run/rerequested.payload.json": other_app("check_run", 2),
    "check_run/rerequested.with-organization.payload.json": other_app("check_run", 2),
    "check_suite/completed.1.payload.json": Ignored(
        "check_suite.completed: reviews start from pull_request events; only a re-run request counts"
    ),
    "check_suite/completed.payload.json": Ignored(
        "check_suite.completed: reviews start from pull_request events; only a re-run request counts"
    ),
    "check_suite/completed.with-organization.payload.json": Ignored(
        "check_suite.completed: reviews start from pull_request events; only a re-run request counts"
    ),
    "check_suite/requested.payload.json": Ignored(
        "check_suite.requested: reviews start from pull_request events; only a re-run request counts"
    ),
    "check_suite/requested.payload.with-email-with-special-characters.json": Ignored(
        "check_suite.requested: reviews start from pull_request events; only a re-run request counts"
    ),
    "check_suite/requested.with-organization.payload.json": Ignored(
        "check_suite.requested: reviews start from pull_request events; only a re-run request counts"
    ),
    "check_suite/rerequested.payload.json": Queued("review_pull_request", REVIEW_2 + ":{delivery}"),
    "check_suite/rerequested.with-organization.payload.json": Queued("review_pull_request", REVIEW_2 + ":{delivery}"),
    "installation/created.payload.json": Queued("sync_installation", "sync_installation:957387:{delivery}"),
    "installation/created.with-requester.payload.json": Queued(
        "sync_installation", "sync_installation:957387:{delivery}"
    ),
    "installation/deleted.payload.json": Queued("sync_installation", "sync_installation:2:{delivery}"),
    "installation/new_permissions_accepted.payload.json": Queued(
        "sync_installation", "sync_installation:957387:{delivery}"
    ),
    "installation/suspend.payload.json": Queued("sync_installation", "sync_installation:16598467:{delivery}"),
    "installation/unsuspend.payload.json": Queued("sync_installation", "sync_installation:16598467:{delivery}"),
    "installation_repositories/added.payload.json": Queued("sync_installation", "sync_installation:957387:{delivery}"),
    "installation_repositories/removed.payload.json": Queued("sync_installation", "sync_installation:2:{delivery}"),
    "issue_comment/created.1.payload.json": NOT_A_PR,
    "issue_comment/created.payload.json": NOT_A_PR,
    "issue_comment/created.with-installation.payload.json": NOT_A_PR,
    "issue_comment/created.with-organization.payload.json": NOT_A_PR,
    "issue_comment/deleted.payload.json": Ignored("issue_comment.deleted: only a new comment can give a command"),
    "issue_comment/deleted.with-organization.payload.json": Ignored(
        "issue_comment.deleted: only a new comment can give a command"
    ),
    "issue_comment/edited.payload.json": Ignored("issue_comment.edited: only a new comment can give a command"),
    "issue_comment/edited.with-organization.payload.json": Ignored(
        "issue_comment.edited: only a new comment can give a command"
    ),
    "ping/payload.json": Pong(),
    "ping/with-app_id.payload.json": Pong(),
    "ping/with-organization.payload.json": Pong(),
    "pull_request/assigned.payload.json": unchanged("assigned"),
    "pull_request/assigned.with-organization.payload.json": unchanged("assigned"),
    "pull_request/closed.payload.json": Queued("pr_closed", "pr_closed:186853002:2:{delivery}"),
    "pull_request/closed.with-organization.payload.json": Queued("pr_closed", "pr_closed:186853002:2:{delivery}"),
    "pull_request/converted_to_draft.payload.json": unchanged("converted_to_draft"),
    "pull_request/converted_to_draft.with-installation.payload.json": unchanged("converted_to_draft"),
    "pull_request/converted_to_draft.with-organization.payload.json": unchanged("converted_to_draft"),
    "pull_request/labeled.payload.json": unchanged("labeled"),
    "pull_request/labeled.with-organization.payload.json": unchanged("labeled"),
    "pull_request/locked.payload.json": unchanged("locked"),
    "pull_request/locked.with-organization.payload.json": unchanged("locked"),
    "pull_request/opened.payload.json": Queued("review_pull_request", REVIEW_2),
    "pull_request/opened.with-null-body.json": Queued("review_pull_request", REVIEW_2),
    "pull_request/opened.with-organization.payload.json": Queued("review_pull_request", REVIEW_2),
    "pull_request/ready_for_review.payload.json": Queued("review_pull_request", REVIEW_2),
    "pull_request/ready_for_review.with-installation.payload.json": Queued("review_pull_request", REVIEW_2),
    "pull_request/ready_for_review.with-organization.payload.json": Queued("review_pull_request", REVIEW_2),
    "pull_request/reopened.payload.json": Queued("review_pull_request", REVIEW_2),
    "pull_request/reopened.with-organization.payload.json": Queued("review_pull_request", REVIEW_2),
    "pull_request/review_request_removed.payload.json": unchanged("review_request_removed"),
    "pull_request/review_requested.payload.json": unchanged("review_requested"),
    "pull_request/synchronize.payload.json": Queued("review_pull_request", REVIEW_2),
    "pull_request/unassigned.payload.json": unchanged("unassigned"),
    "pull_request/unassigned.with-organization.payload.json": unchanged("unassigned"),
    "pull_request/unlabeled.payload.json": unchanged("unlabeled"),
    "pull_request/unlabeled.with-organization.payload.json": unchanged("unlabeled"),
    "pull_request/unlocked.payload.json": unchanged("unlocked"),
    "pull_request/unlocked.with-organization.payload.json": unchanged("unlocked"),
    "push/1.payload.json": TAG_PUSH,
    "push/payload.json": TAG_PUSH,
    "push/with-installation.payload.json": TAG_PUSH,
    "push/with-new-branch.payload.json": NEW_DEFAULT_BRANCH,
    "push/with-no-username-committer.payload.json": NEW_DEFAULT_BRANCH,
    "push/with-organization.payload.json": TAG_PUSH,
}


def test_the_table_covers_every_example() -> None:
    assert sorted(EXPECTED) == example_names()
    assert len(EXPECTED) == 69


@pytest.mark.parametrize("name", example_names())
async def test_example_delivery(
    name: str, client: httpx.AsyncClient, recorder: MemoryRecorder, enqueuer: MemoryEnqueuer
) -> None:
    delivery = example(name)
    expected = EXPECTED[name]

    response = await client.post("/webhooks/github", content=delivery.body, headers=delivery.headers())

    row = recorder.deliveries[delivery.delivery_id]
    assert row.event == name.split("/", maxsplit=1)[0]
    assert row.installation_id == json.loads(delivery.body).get("installation", {}).get("id")
    if isinstance(expected, Queued):
        job_id = expected.job_id.format(delivery=delivery.delivery_id)
        assert (response.status_code, response.json()) == (202, {"status": "queued", "job_id": job_id})
        assert list(enqueuer.jobs) == [job_id]
        assert enqueuer.jobs[job_id].name == expected.job_name
        assert enqueuer.jobs[job_id].payload["delivery_id"] == delivery.delivery_id
        assert (row.outcome, row.job_id, row.job) == ("queued", job_id, enqueuer.jobs[job_id])
    elif isinstance(expected, Ignored):
        assert (response.status_code, response.json()) == (200, {"status": "ignored", "reason": expected.reason})
        assert enqueuer.jobs == {}
        assert (row.outcome, row.reason) == ("ignored", expected.reason)
    else:
        assert response.status_code == 200
        assert response.json() == {"status": "pong", "zen": "Anything added dilutes everything else."}
        assert enqueuer.jobs == {}
        assert (row.outcome, row.reason) == ("ignored", "ping")
