"""The githubkit implementation is what the worker is typed against (mypy checks these assignments)."""

from __future__ import annotations

import pytest

from bot.github import GitHubApp, GitHubGateway
from tests.fakegithub import FakeGitHub
from tests.gateway.world import OWN, REPO, make_app

pytest_plugins = ["tests.fakegithub.plugin"]


@pytest.mark.anyio
async def test_githubkit_app_and_gateway_satisfy_the_protocols(fake: FakeGitHub) -> None:
    async with make_app(fake) as made:
        app: GitHubApp = made
        gateway: GitHubGateway = app.gateway_for(OWN)
        assert gateway.installation_id == OWN
        assert (await gateway.get_pull(REPO, 7)).number == 7


def test_the_app_s_repr_never_shows_its_key(fake: FakeGitHub) -> None:
    app = make_app(fake)

    assert "PRIVATE KEY" not in repr(app)
    assert repr(app) == f"GitHubKitApp(app_id=4242, base_url={fake.url!r})"
