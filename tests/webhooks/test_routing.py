"""The routing table: which job each delivery asks for, and why the rest are ignored. Pure: no HTTP, no queue."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.jobs import (
    AcceptCommand,
    HeadReviewRequest,
    Job,
    PullRequestClosed,
    PushReview,
    ReviewCommentCommand,
    ReviewRequest,
    SyncInstallation,
)
from bot.routing import Ignore, Pong, Route, parse_command, route
from tests.webhooks.deliveries import (
    ADDED_INSTALLATION,
    APP_ID,
    base_changed,
    check_pull_request,
    default_branch_push,
    example_names,
    load,
    our_check_run,
    pr_comment,
    with_installation,
)

DELIVERY = "72d3162e-cc78-11e3-81ab-4c9367dc0958"
HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
REPO_ID = 186853002


def routed(event: str, payload: dict[str, Any], *, app_id: int = APP_ID) -> Job:
    decision = route(event, payload, app_id=app_id, delivery_id=DELIVERY)
    assert isinstance(decision, Route), decision
    return decision.job


def ignored(event: str, payload: dict[str, Any], *, app_id: int = APP_ID) -> str:
    decision = route(event, payload, app_id=app_id, delivery_id=DELIVERY)
    assert isinstance(decision, Ignore), decision
    return decision.reason


# --- pull_request ---------------------------------------------------------------------------------------------------


def test_synchronize_reviews_the_new_head() -> None:
    job = routed("pull_request", load("pull_request/synchronize.payload.json"))

    assert job == ReviewRequest(
        installation_id=1,
        delivery_id=DELIVERY,
        repo_id=REPO_ID,
        repo_full_name="Codertocat/Hello-World",
        pr_number=2,
        head_sha=HEAD,
        base_ref="master",
        rerun=False,
        trigger="pull_request.synchronize",
    )
    assert job.job_id == f"review:{REPO_ID}:2:{HEAD}"


def test_a_draft_is_reviewed_and_ready_for_review_at_the_same_head_is_the_same_job() -> None:
    draft = with_installation("pull_request/opened.payload.json")
    draft["pull_request"]["draft"] = True

    opened = routed("pull_request", draft)
    ready = routed("pull_request", with_installation("pull_request/ready_for_review.payload.json"))

    assert isinstance(opened, ReviewRequest)
    assert opened.job_id == ready.job_id == f"review:{REPO_ID}:2:{HEAD}"


def test_a_changed_base_is_reviewed_again_under_its_own_id() -> None:
    job = routed("pull_request", base_changed())

    assert isinstance(job, ReviewRequest)
    assert (job.rerun, job.trigger, job.base_ref) == (True, "pull_request.edited", "master")
    assert job.job_id == f"review:{REPO_ID}:2:{HEAD}:{DELIVERY}"


def test_an_edit_of_title_or_body_is_ignored() -> None:
    payload = base_changed()
    payload["changes"] = {"title": {"from": "Old title"}}

    assert ignored("pull_request", payload) == "pull_request.edited changed the title or body, not the base branch"


def test_closed_without_merge_goes_to_the_ledger_without_the_test_merge_commit() -> None:
    job = routed("pull_request", load("pull_request/closed.payload.json"))

    assert isinstance(job, PullRequestClosed)
    assert (job.merged, job.merge_commit_sha, job.merged_at, job.author) == (False, None, None, "Codertocat")
    assert job.job_id == f"pr_closed:{REPO_ID}:2:{DELIVERY}"


def test_a_merge_carries_its_commit_and_time() -> None:
    payload = load("pull_request/closed.payload.json")
    pr = payload["pull_request"]
    pr.update(
        merged=True, merged_at="2019-05-15T15:20:40Z", merge_commit_sha="c4295bd74fb0f4fda03689c3df3f2803b658fd85"
    )

    job = routed("pull_request", payload)

    assert isinstance(job, PullRequestClosed)
    assert job.merged is True
    assert job.merge_commit_sha == "c4295bd74fb0f4fda03689c3df3f2803b658fd85"
    assert job.merged_at == datetime(2019, 5, 15, 15, 20, 40, tzinfo=UTC)
    assert job.to_queue()["merged_at"] == "2019-05-15T15:20:40Z"


@pytest.mark.parametrize("action", ["labeled", "assigned", "converted_to_draft", "locked", "review_requested"])
def test_actions_that_do_not_change_the_code_are_ignored(action: str) -> None:
    payload = load("pull_request/opened.payload.json")
    payload["action"] = action

    assert ignored("pull_request", payload) == f"pull_request.{action} does not change the code under review"


# --- check_run / check_suite ----------------------------------------------------------------------------------------


def test_another_apps_check_events_are_ignored_with_the_reason() -> None:
    reason = ignored("check_run", with_installation("check_run/rerequested.payload.json"))

    assert reason == f"check_run of another app (app id 2, ours is {APP_ID})"
    assert "another app (app id 25811" in ignored("check_run", load("check_run/requested_action.payload.json"))


def test_our_check_suite_rerequested_with_one_pull_request_reviews_it_again() -> None:
    job = routed("check_suite", load("check_suite/rerequested.payload.json"))

    assert isinstance(job, ReviewRequest)
    assert (job.pr_number, job.head_sha, job.base_ref, job.rerun) == (2, HEAD, "master", True)
    assert job.trigger == "check_suite.rerequested"
    assert job.job_id == f"review:{REPO_ID}:2:{HEAD}:{DELIVERY}"


def test_the_same_check_suite_from_another_app_is_ignored() -> None:
    reason = ignored("check_suite", load("check_suite/rerequested.payload.json"), app_id=1)

    assert reason == f"check_suite of another app (app id {APP_ID}, ours is 1)"


def test_our_check_run_rerequested_without_listed_pull_requests_looks_them_up() -> None:
    # GitHub leaves `pull_requests` empty for a pull request from a fork.
    job = routed("check_run", our_check_run(pull_requests=[]))

    assert job == HeadReviewRequest(
        installation_id=1,
        delivery_id=DELIVERY,
        repo_id=526,
        repo_full_name="github/hello-world",
        head_sha="d6fde92930d4715a2b49857d24b940956b26d2d3",
        pr_numbers=(),
        trigger="check_run.rerequested",
    )
    assert job.job_id == f"review_head:526:d6fde92930d4715a2b49857d24b940956b26d2d3:{DELIVERY}"


def test_our_check_run_lists_pull_requests_of_other_repositories_too_and_they_are_dropped() -> None:
    head = "d6fde92930d4715a2b49857d24b940956b26d2d3"
    prs = [check_pull_request(7, repo_id=526, head_sha=head), check_pull_request(9, repo_id=999, head_sha=head)]

    job = routed("check_run", our_check_run(pull_requests=prs))

    assert isinstance(job, ReviewRequest)
    assert (job.pr_number, job.repo_id, job.rerun) == (7, 526, True)


def test_several_pull_requests_on_one_head_are_all_reviewed_by_one_lookup_job() -> None:
    head = "d6fde92930d4715a2b49857d24b940956b26d2d3"
    prs = [check_pull_request(n, repo_id=526, head_sha=head) for n in (9, 7)]

    job = routed("check_run", our_check_run(pull_requests=prs))

    assert isinstance(job, HeadReviewRequest)
    assert job.pr_numbers == (7, 9)


@pytest.mark.parametrize("action", ["created", "completed", "requested_action"])
def test_our_own_check_run_events_other_than_rerequested_are_ignored(action: str) -> None:
    payload = our_check_run()
    payload["action"] = action

    assert ignored("check_run", payload).startswith(f"check_run.{action}: ")


# --- issue_comment --------------------------------------------------------------------------------------------------


def test_review_command_on_a_pull_request() -> None:
    job = routed("issue_comment", pr_comment("/debtbot review"))

    assert job == ReviewCommentCommand(
        installation_id=ADDED_INSTALLATION["id"],
        delivery_id=DELIVERY,
        repo_id=REPO_ID,
        repo_full_name="Codertocat/Hello-World",
        pr_number=1,
        comment_id=492700400,
        author="Codertocat",
        author_association="OWNER",
    )
    assert job.job_id == f"review_comment_command:{REPO_ID}:1:492700400"


def test_accept_command_carries_everything_after_the_word() -> None:
    job = routed("issue_comment", pr_comment("/debtbot accept DATA003 the fixture is tiny\r\nand documented"))

    assert isinstance(job, AcceptCommand)
    assert job.arguments == "DATA003 the fixture is tiny\r\nand documented"
    assert job.job_id == f"accept_command:{REPO_ID}:1:492700400"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/debtbot review", ("review", "")),
        ("  \n/DebtBot Review please", ("review", "please")),
        ("/debtbot\taccept CODE001", ("accept", "CODE001")),
        ("/debtbot", ("", "")),
        ("/debtbot\nreview", ("", "review")),
        ("/debtbotreview", None),
        ("please /debtbot review", None),
        ("> /debtbot review", None),
        ("", None),
    ],
)
def test_parse_command(body: str, expected: tuple[str, str] | None) -> None:
    assert parse_command(body) == expected


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("Looks good to me", "comment holds no /debtbot command"),
        ("/debtbot", "/debtbot without a command (try `/debtbot review`)"),
        ("/debtbot frobnicate", "unknown command `/debtbot frobnicate`"),
    ],
)
def test_comments_without_a_known_command_are_ignored(body: str, reason: str) -> None:
    assert ignored("issue_comment", pr_comment(body)) == reason


def test_a_bots_comment_is_never_a_command() -> None:
    assert ignored("issue_comment", pr_comment("/debtbot review", user_type="Bot")) == "comment by a bot"


def test_a_command_on_a_plain_issue_is_ignored() -> None:
    payload = with_installation("issue_comment/created.payload.json")
    payload["comment"]["body"] = "/debtbot review"

    assert ignored("issue_comment", payload) == "comment on an issue, not on a pull request"


def test_an_edited_command_is_not_run() -> None:
    payload = pr_comment("/debtbot review")
    payload["action"] = "edited"

    assert ignored("issue_comment", payload) == "issue_comment.edited: only a new comment can give a command"


# --- push, installation, ping, the rest -----------------------------------------------------------------------------


def test_push_to_the_default_branch_is_reviewed() -> None:
    job = routed("push", default_branch_push())

    assert job == PushReview(
        installation_id=1,
        delivery_id=DELIVERY,
        repo_id=REPO_ID,
        repo_full_name="Codertocat/Hello-World",
        ref="refs/heads/master",
        before="f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
        after="6113728f27ae82c7b1a177c8d03f9e96e0adf246",
        pusher="Codertocat",
        pushed_at=datetime(2019, 5, 15, 15, 20, 57, tzinfo=UTC),
    )
    assert job.job_id == f"review_push:{REPO_ID}:6113728f27ae82c7b1a177c8d03f9e96e0adf246:{DELIVERY}"


def test_pushes_elsewhere_or_without_an_earlier_commit_are_ignored() -> None:
    feature = default_branch_push()
    feature["ref"] = "refs/heads/feature"

    assert ignored("push", feature) == "push to refs/heads/feature, not to the default branch master"
    assert ignored("push", with_installation("push/payload.json")).startswith("push to refs/tags/simple-tag")
    assert ignored("push", load("push/with-new-branch.payload.json")).startswith("push created the default branch")


def test_a_push_deleting_the_default_branch_is_ignored() -> None:
    payload = default_branch_push()
    payload.update(deleted=True, after="0" * 40)

    assert ignored("push", payload) == "push deleted the default branch"


def test_installation_created_lists_its_repositories() -> None:
    job = routed("installation", load("installation/created.payload.json"))

    assert isinstance(job, SyncInstallation)
    assert (job.installation_id, job.event, job.action, job.account_login) == (
        957387,
        "installation",
        "created",
        "Codertocat",
    )
    assert [(repo.id, repo.full_name) for repo in job.repositories] == [(REPO_ID, "Codertocat/Hello-World")]
    assert job.job_id == f"sync_installation:957387:{DELIVERY}"


def test_installation_repositories_added() -> None:
    job = routed("installation_repositories", load("installation_repositories/added.payload.json"))

    assert isinstance(job, SyncInstallation)
    assert job.action == "added"
    assert [repo.full_name for repo in job.repositories_added] == ["Codertocat/Space"]
    assert job.repositories_removed == ()


def test_ping_pongs() -> None:
    decision = route("ping", load("ping/payload.json"), app_id=APP_ID, delivery_id=DELIVERY)

    assert decision == Pong("ping", zen="Anything added dilutes everything else.")


def test_events_without_a_handler_are_ignored() -> None:
    assert ignored("pull_request_review", {"action": "submitted"}) == "pull_request_review events are not handled"


# --- malformed payloads ---------------------------------------------------------------------------------------------


def test_a_missing_field_is_named() -> None:
    payload = load("pull_request/synchronize.payload.json")
    del payload["pull_request"]["head"]["sha"]

    assert ignored("pull_request", payload) == "malformed payload: missing pull_request.head.sha"


def test_a_missing_action_and_wrong_types_are_named() -> None:
    payload = load("pull_request/synchronize.payload.json")
    del payload["action"]
    assert ignored("pull_request", payload) == "malformed payload: missing action"

    payload = load("pull_request/synchronize.payload.json")
    payload["installation"] = "one"
    assert ignored("pull_request", payload).startswith("malformed payload: installation: ")


def test_an_example_without_installation_is_malformed_for_an_app() -> None:
    reason = ignored("pull_request", load("pull_request/ready_for_review.payload.json"))

    assert reason == "malformed payload: missing installation"


ROUTED_EXAMPLES = [name for name in example_names() if name.split("/")[0] != "ping"]


def _paths(value: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(value, dict):
        items: list[tuple[str | int, Any]] = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return []
    found = []
    for key, child in items:
        found.append((*prefix, key))
        found.extend(_paths(child, (*prefix, key)))
    return found


@settings(max_examples=300, deadline=None)
@given(data=st.data(), name=st.sampled_from(ROUTED_EXAMPLES))
def test_removing_any_field_of_a_real_delivery_never_raises(data: st.DataObject, name: str) -> None:
    payload = with_installation(name)
    path = data.draw(st.sampled_from(_paths(payload)))
    broken = copy.deepcopy(payload)
    parent: Any = broken
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]

    decision = route(name.split("/", maxsplit=1)[0], broken, app_id=APP_ID, delivery_id=DELIVERY)

    assert isinstance(decision, Route | Ignore)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
EVENTS = st.sampled_from(["pull_request", "check_run", "check_suite", "issue_comment", "push", "installation", "ping"])


@settings(max_examples=300, deadline=None)
@given(event=EVENTS, payload=st.dictionaries(st.sampled_from(["action", "installation", "x"]), JSON, max_size=3))
def test_arbitrary_json_never_raises(event: str, payload: dict[str, Any]) -> None:
    assert isinstance(route(event, payload, app_id=APP_ID, delivery_id=DELIVERY), Route | Ignore)


# --- the queue payload ----------------------------------------------------------------------------------------------

ROUTED_JOBS = [
    ("pull_request", with_installation("pull_request/synchronize.payload.json")),
    ("pull_request", with_installation("pull_request/closed.payload.json")),
    ("check_suite", load("check_suite/rerequested.payload.json")),
    ("check_run", our_check_run(pull_requests=[])),
    ("issue_comment", pr_comment("/debtbot review")),
    ("issue_comment", pr_comment("/debtbot accept CODE001 why")),
    ("push", default_branch_push()),
    ("installation", load("installation/created.payload.json")),
]


@pytest.mark.parametrize(("event", "payload"), ROUTED_JOBS, ids=[event for event, _ in ROUTED_JOBS])
def test_a_queued_payload_is_plain_json_and_rebuilds_the_same_job(event: str, payload: dict[str, Any]) -> None:
    job = routed(event, payload)

    queued = job.to_queue()

    assert json.loads(json.dumps(queued)) == queued
    assert pickle.loads(pickle.dumps(queued)) == queued  # arq's default serializer
    assert type(job).model_validate(queued) == job
