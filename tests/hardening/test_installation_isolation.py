"""Installation isolation: a delivery for one installation never reads or writes another's repositories, and
its token is never used on them. The fake GitHub refuses a token on another installation's repository as
GitHub does (404, as for a missing repository); these tests make the App try.
"""

from __future__ import annotations

import copy
from pathlib import Path

import httpx
import pytest
from arq.connections import ArqRedis
from githubkit.exception import RequestFailed
from sqlalchemy import select

from bot.db.engine import make_engine, session_factory
from bot.db.models import PullRequest, ReviewRun
from bot.github import GitHubKitApp
from bot.jobs import InstallationId
from bot.settings import Settings
from tests.e2e.conftest import Delivery, deliver, drain, pull_request_delivery
from tests.fakegithub import FakeGitHub, shared_app_key
from tests.fakegithub.keys import FAKE_APP_ID
from tests.fakegithub.samples import DIFF
from tests.worker.world import DEBT_FILES, OWN, World

pytestmark = [pytest.mark.anyio, pytest.mark.services]

OTHER = InstallationId(200)
THEIRS = "other-org/secrets"
THEIR_HEAD = "c" * 40


def their_repository(fake: FakeGitHub) -> int:
    fake.add_installation(OTHER, "other-org")
    repo = fake.add_repository(THEIRS, installation_id=OTHER, files={"secret.txt": "hunter2\n"})
    fake.add_pull_request(THEIRS, number=3, diff=DIFF, head_sha=THEIR_HEAD, user="eve")
    return repo.id


def installation_of(fake: FakeGitHub, authorization: str | None) -> int | None:
    """The installation whose token a request carried (None: the App's JWT or no credentials)."""
    token = fake.world.tokens.get((authorization or "").partition(" ")[2].strip())
    return token.installation_id if token else None


def on_theirs(fake: FakeGitHub) -> list[tuple[str, int | None, int]]:
    """(method, installation of the token, status) of every request to the other installation's repository."""
    return [
        (r.method, installation_of(fake, r.headers.get("authorization")), r.status)
        for r in fake.requests
        if r.path.lower().startswith(f"/repos/{THEIRS}/")
    ]


async def test_a_delivery_of_one_installation_naming_anothers_repository_touches_nothing_of_it(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    their_id = their_repository(fake)
    world.open_pull(7, DEBT_FILES)
    ours = pull_request_delivery(world, 7)
    payload = copy.deepcopy(ours.payload)  # installation OWN, as if GitHub (or a leaked secret) said so
    payload["repository"].update(id=their_id, full_name=THEIRS, name="secrets")
    payload["pull_request"].update(number=3)
    payload["pull_request"]["head"]["sha"] = THEIR_HEAD
    payload["pull_request"]["base"]["repo"] = payload["repository"]
    crossed = Delivery("pull_request", payload, "crossed-delivery")

    answer = await deliver(client, crossed)
    worker = await drain(settings, pool)

    assert answer["status"] == "queued"
    assert worker.jobs_failed == 0
    tried = on_theirs(fake)
    assert tried, "the worker did not try the other installation's repository"
    assert {(installation, status) for _, installation, status in tried} == {(OWN, 404)}
    assert {method for method, _, _ in tried} == {"GET"}  # it stopped at the first refusal: nothing written
    assert fake.tokens(OTHER) == []
    assert fake.check_runs(repo=THEIRS) == []
    assert fake.reviews(THEIRS, 3) == []
    assert fake.comments(THEIRS, 3) == []
    engine = make_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            assert list(await session.scalars(select(PullRequest).where(PullRequest.repo_id == their_id))) == []
            assert list(await session.scalars(select(ReviewRun).where(ReviewRun.repo_id == their_id))) == []
    finally:
        await engine.dispose()


async def test_every_read_and_write_with_one_installations_token_on_anothers_repository_is_refused(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    fake.add_installation(OWN, "octo-org")
    their_repository(fake)
    async with GitHubKitApp(app_id=FAKE_APP_ID, private_key=shared_app_key().private_pem, base_url=fake.url) as app:
        gateway = app.gateway_for(OWN)
        attempts = {
            "get_pull": gateway.get_pull(THEIRS, 3),
            "get_diff": gateway.get_diff(THEIRS, 3),
            "get_tree": gateway.get_tree(THEIRS, THEIR_HEAD),
            "create_check_run": gateway.create_check_run(THEIRS, THEIR_HEAD, "debtbot", "in_progress"),
            "create_issue_comment": gateway.create_issue_comment(THEIRS, 3, "pwned"),
            "create_review": gateway.create_review(THEIRS, 3, THEIR_HEAD, "pwned", []),
            "create_issue": gateway.create_issue(THEIRS, "pwned", "pwned"),
        }
        refused = {}
        for name, call in attempts.items():
            try:
                await call
            except RequestFailed as failure:
                refused[name] = failure.response.status_code
        text = await gateway.get_text(THEIRS, "secret.txt", "main")  # a 404 reads as "no such file"

    assert refused == dict.fromkeys(attempts, 404)
    assert text is None
    assert {installation for _, installation, _ in on_theirs(fake)} == {OWN}
    assert fake.tokens(OTHER) == []
    assert fake.check_runs(repo=THEIRS) == []
    assert fake.issues(THEIRS) == []
    assert fake.reviews(THEIRS, 3) == []
    assert fake.comments(THEIRS, 3) == []
