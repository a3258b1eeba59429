"""Comparing two commits through the gateway, over HTTP to the fake GitHub (its answers checked against GitHub's
description): what a push changed, seen from the merge base, force-pushes included."""

from __future__ import annotations

import pytest
from githubkit.exception import RequestFailed

from bot.errors import Ignore, classify
from bot.github.protocol import MAX_COMPARE_FILES, Comparison
from checks.diff import FileStatus, parse_github_files
from tests.fakegithub import FakeGitHub, Settings
from tests.fakegithub.keys import FAKE_APP_ID, shared_app_key
from tests.gateway.world import OWN, REPO, make_app, populate

pytest_plugins = ["tests.fakegithub.plugin"]
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake(fake_github: FakeGitHub) -> FakeGitHub:
    populate(fake_github)
    return fake_github


def commits(fake: FakeGitHub) -> tuple[str, str, str]:
    """main: base -> ahead (adds a TODO); and `rewritten`, a commit on base that a force-push put in ahead's place."""
    repo = fake.repository(REPO)
    base = repo.branches["main"]
    files = dict(repo.commits[base])
    ahead = repo.add_commit({**files, "prep.py": b"# TODO: later\nimport os\n"}, branch="main")
    rewritten = repo.add_commit({**files, "eval.py": b"import os\n"}, parents=(base,))
    return base, ahead, rewritten


async def test_a_push_that_adds_commits_is_compared_from_its_before(fake: FakeGitHub) -> None:
    base, ahead, _ = commits(fake)
    async with make_app(fake) as app:
        comparison = await app.gateway_for(OWN).compare(REPO, base, ahead)

    assert (comparison.status, comparison.ahead_by, comparison.behind_by) == ("ahead", 1, 0)
    assert comparison.merge_base_sha == base
    assert not comparison.truncated
    (patch,) = parse_github_files(comparison.files)
    assert (patch.path, patch.status) == ("prep.py", FileStatus.ADDED)
    assert list(patch.added.texts()) == ["# TODO: later", "import os"]
    (request,) = [r for r in fake.requests if r.operation_id == "repos/compare-commits-with-basehead"]
    assert request.path == f"/repos/{REPO}/compare/{base}...{ahead}"


async def test_a_force_push_is_seen_from_the_merge_base_both_ways(fake: FakeGitHub) -> None:
    base, ahead, rewritten = commits(fake)
    async with make_app(fake) as app:
        gateway = app.gateway_for(OWN)
        forward = await gateway.compare(REPO, ahead, rewritten)
        backward = await gateway.compare(REPO, rewritten, ahead)
        reset = await gateway.compare(REPO, ahead, base)

    assert (forward.status, forward.ahead_by, forward.behind_by, forward.merge_base_sha) == ("diverged", 1, 1, base)
    assert [f["filename"] for f in forward.files] == ["eval.py"]
    assert [f["filename"] for f in backward.files] == ["prep.py"]  # what the dropped commit had changed
    assert (reset.status, reset.ahead_by, reset.behind_by, reset.files) == ("behind", 0, 1, [])


async def test_an_unknown_commit_is_gone_or_never_there(fake: FakeGitHub) -> None:
    base, _, _ = commits(fake)
    async with make_app(fake) as app:
        with pytest.raises(RequestFailed) as failed:
            await app.gateway_for(OWN).compare(REPO, base, "0" * 40)

    assert isinstance(classify(failed.value), Ignore)


async def test_a_comparison_listing_as_many_files_as_github_lists_may_be_cut_short() -> None:
    with FakeGitHub(
        app_id=FAKE_APP_ID, public_key=shared_app_key().public_pem, settings=Settings(max_compare_files=3)
    ) as fake:
        populate(fake)
        repo = fake.repository(REPO)
        base = repo.branches["main"]
        many = repo.add_commit({**repo.commits[base], **{f"f{i}.py": b"x = 1\n" for i in range(5)}}, branch="main")
        async with make_app(fake) as app:
            comparison = await app.gateway_for(OWN).compare(REPO, base, many)
        fake.assert_no_violations()

    assert len(comparison.files) == 3  # the fake stops listing where it was told to, as GitHub does at 300
    assert Comparison("ahead", 1, 0, base, [{}] * MAX_COMPARE_FILES).truncated
    assert not Comparison("ahead", 1, 0, base, [{}] * (MAX_COMPARE_FILES - 1)).truncated


async def test_the_merged_pull_request_of_a_merge_commit_is_listed_for_it(fake: FakeGitHub) -> None:
    _, ahead, _ = commits(fake)
    fake.merge_pull(REPO, 7, merge_commit_sha=ahead)
    async with make_app(fake) as app:
        pulls = await app.gateway_for(OWN).list_pulls_for_commit(REPO, ahead)

    assert [(p.number, p.state, p.merged) for p in pulls] == [(7, "closed", True)]


async def test_the_tip_of_the_default_branch_or_of_a_named_one(fake: FakeGitHub) -> None:
    base, ahead, rewritten = commits(fake)
    fake.repository(REPO).branches["release"] = rewritten
    async with make_app(fake) as app:
        gateway = app.gateway_for(OWN)
        default = await gateway.get_branch_head(REPO)
        release = await gateway.get_branch_head(REPO, "release")
        with pytest.raises(RequestFailed) as missing:
            await gateway.get_branch_head(REPO, "nope")

    assert (default.name, default.sha) == ("main", ahead)
    assert (release.name, release.sha) == ("release", rewritten)
    assert isinstance(classify(missing.value), Ignore)
    assert base != ahead
