"""Whose token a request carries: the installation that owns the repository, fresh when GitHub refuses the old one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio
from githubkit.cache import AsyncRedisCacheStrategy
from githubkit.exception import RequestFailed

from bot.errors import Ignore, classify
from bot.jobs import InstallationId
from tests.fakegithub import FakeGitHub
from tests.gateway.world import OTHER, OWN, REPO, SECRETS, make_app, status_of

pytest_plugins = ["tests.fakegithub.plugin"]
pytestmark = pytest.mark.anyio


def installation_of_each_request(fake: FakeGitHub) -> list[tuple[int | None, str, int]]:
    """(installation whose token was sent, repository owner, status) of every repository request."""
    owners = {t.value: t.installation_id for t in fake.tokens()}
    found = []
    for request in fake.requests:
        if request.path.startswith("/repos/"):
            token = request.headers.get("authorization", "").removeprefix("token ")
            found.append((owners.get(token), request.path.split("/")[2], request.status))
    return found


async def test_a_gateway_reaches_its_own_installation_s_repositories_only(fake: FakeGitHub) -> None:
    async with make_app(fake) as app:
        own, other = app.gateway_for(OWN), app.gateway_for(OTHER)
        assert (own.installation_id, other.installation_id) == (OWN, OTHER)
        await own.get_pull(REPO, 7)
        with pytest.raises(RequestFailed) as refused:
            await own.get_pull(SECRETS, 3)  # another customer's: GitHub answers as for a missing repository
        assert (await other.get_pull(SECRETS, 3)).number == 3

    assert refused.value.response.status_code == 404
    assert isinstance(classify(refused.value), Ignore)
    assert installation_of_each_request(fake) == [
        (OWN, "octo-org", 200),
        (OWN, "other-org", 404),
        (OTHER, "other-org", 200),
    ]
    assert sorted(t.installation_id for t in fake.tokens()) == [OWN, OTHER]  # one token each, cache shared


async def test_an_expired_token_is_renewed_in_the_middle_of_a_job(fake: FakeGitHub) -> None:
    async with make_app(fake) as app:
        gateway = app.gateway_for(OWN)
        await gateway.get_pull(REPO, 7)
        fake.expire_tokens()
        assert await gateway.get_diff(REPO, 7)
        await gateway.get_pull(REPO, 7)

    assert status_of(fake, "/pulls/7") == [200, 401, 200, 200]  # the renewed token is kept
    first, renewed = fake.tokens(OWN)
    authorizations = [r.headers["authorization"] for r in fake.requests if r.path.endswith("/pulls/7")]
    assert authorizations == [f"token {first.value}"] * 2 + [f"token {renewed.value}"] * 2


async def test_a_write_refused_for_an_expired_token_is_sent_once_with_the_new_one(fake: FakeGitHub) -> None:
    async with make_app(fake) as app:
        gateway = app.gateway_for(OWN)
        await gateway.get_pull(REPO, 7)
        fake.expire_tokens(OWN)
        await gateway.create_issue_comment(REPO, 7, "summary")

    assert status_of(fake, "/issues/7/comments") == [401, 201]
    assert [c.body for c in fake.comments(REPO, 7)] == ["summary"]


async def test_an_unknown_installation_is_ignored_not_a_bug(fake: FakeGitHub) -> None:
    """The token request fails inside httpx's auth flow; the gateway raises GitHub's answer, not githubkit's wrapper."""
    async with make_app(fake) as app:
        with pytest.raises(RequestFailed) as refused:
            await app.gateway_for(InstallationId(999)).get_pull(REPO, 7)

    assert refused.value.response.status_code == 404
    assert refused.value.request.url.path == "/app/installations/999/access_tokens"
    assert isinstance(classify(refused.value), Ignore)


@pytest.fixture
async def shared_redis(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_workers_sharing_a_redis_token_cache_ask_for_one_token(
    fake: FakeGitHub, shared_redis: redis.asyncio.Redis
) -> None:
    async with (
        make_app(fake, cache_strategy=AsyncRedisCacheStrategy(shared_redis, prefix="debtbot")) as first_worker,
        make_app(fake, cache_strategy=AsyncRedisCacheStrategy(shared_redis, prefix="debtbot")) as second_worker,
    ):
        await first_worker.gateway_for(OWN).get_pull(REPO, 7)
        await second_worker.gateway_for(OWN).get_pull(REPO, 7)
        fake.expire_tokens()
        await second_worker.gateway_for(OWN).get_pull(REPO, 7)  # renews, and stores the new token for both
        await first_worker.gateway_for(OWN).get_pull(REPO, 7)

    assert len(fake.tokens(OWN)) == 2
    assert status_of(fake, "/pulls/7") == [200, 200, 401, 200, 200]
