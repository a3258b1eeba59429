"""The fake GitHub's parts the fault tests added: a write answered 5xx after it was made, and a commit's check runs
(what a retried review asks GitHub when the database lost the id of the check run it opened)."""

from __future__ import annotations

import pytest
from githubkit import AppAuthStrategy, GitHub
from githubkit.exception import RequestFailed

from tests.fakegithub import FakeGitHub, shared_app_key
from tests.fakegithub.keys import FAKE_APP_ID
from tests.gateway.world import HEAD, OWN, REPO, make_app, populate, status_of

pytestmark = pytest.mark.anyio


@pytest.fixture
def github(fake: FakeGitHub) -> FakeGitHub:
    """The fake with the gateway tests' two customers in it."""
    populate(fake)
    return fake


async def test_a_write_failed_after_it_was_made_is_made_and_answered_with_the_failure(github: FakeGitHub) -> None:
    github.fail("POST", r"/issues/7/comments$", 502, applied=True)
    async with make_app(github) as app:
        gateway = app.gateway_for(OWN)
        with pytest.raises(RequestFailed) as failed:
            await gateway.create_issue_comment(REPO, 7, "summary")

    assert failed.value.response.status_code == 502
    assert status_of(github, "/issues/7/comments") == [502]  # a POST: githubkit does not send it again
    assert [c.body for c in github.comments(REPO, 7)] == ["summary"]


async def test_a_check_run_is_found_by_its_name_and_external_id(github: FakeGitHub) -> None:
    async with make_app(github) as app:
        gateway = app.gateway_for(OWN)
        wanted = await gateway.create_check_run(REPO, HEAD, "debtbot", "in_progress", external_id="41")
        await gateway.create_check_run(REPO, HEAD, "debtbot", "in_progress", external_id="42")
        await gateway.create_check_run(REPO, HEAD, "other-check", "in_progress", external_id="41")

        found = await gateway.find_check_run(REPO, HEAD, "debtbot", "41")
        missing = await gateway.find_check_run(REPO, HEAD, "debtbot", "43")
        elsewhere = await gateway.find_check_run(REPO, "b" * 40, "debtbot", "41")

    assert (found, missing, elsewhere) == (wanted, None, None)
    listings = [r for r in github.requests if r.path.endswith(f"/commits/{HEAD}/check-runs")]
    assert listings[0].query["check_name"] == ["debtbot"]
    assert listings[0].query["filter"] == ["all"]  # the newest run of the name is not always the one looked for


async def test_the_latest_filter_keeps_the_newest_run_of_each_name(github: FakeGitHub) -> None:
    async with make_app(github) as app:
        gateway = app.gateway_for(OWN)
        await gateway.create_check_run(REPO, HEAD, "debtbot", "in_progress", external_id="1")
        newest = await gateway.create_check_run(REPO, HEAD, "debtbot", "in_progress", external_id="2")
    # githubkit's own call, without the gateway's `filter=all`.
    client = GitHub(
        AppAuthStrategy(FAKE_APP_ID, shared_app_key().private_pem).as_installation(OWN), base_url=github.url
    )
    owner, name = REPO.split("/")
    response = await client.rest.checks.async_list_for_ref(owner, name, HEAD)

    body = response.json()
    assert (body["total_count"], [run["id"] for run in body["check_runs"]]) == (1, [newest])
