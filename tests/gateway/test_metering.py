"""Every request GitHub sees is reported with its route template, status and rate limit left."""

from __future__ import annotations

import pytest
from githubkit.exception import RequestTimeout

from bot.github.metering import OTHER_ROUTE, route_template
from tests.fakegithub import FakeGitHub
from tests.gateway.world import HEAD, OWN, REPO, make_app

pytest_plugins = ["tests.fakegithub.plugin"]

Report = tuple[str, str, int | None, int | None]


class Recorder:
    def __init__(self) -> None:
        self.reports: list[Report] = []

    def __call__(self, method: str, route: str, status: int | None, remaining: int | None) -> None:
        self.reports.append((method, route, status, remaining))


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/repos/o/r/pulls/7", "/repos/{owner}/{repo}/pulls/{pull_number}"),
        ("/repos/o/r/pulls/7/files", "/repos/{owner}/{repo}/pulls/{pull_number}/files"),
        ("/repos/o/r/issues/7/comments", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
        ("/repos/o/r/issues/comments/55", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
        ("/repos/o/r/issues/8", "/repos/{owner}/{repo}/issues/{issue_number}"),
        ("/repos/o/r/contents/docs/a b/c.md", "/repos/{owner}/{repo}/contents/{path}"),
        ("/repos/o/r/git/trees/main", "/repos/{owner}/{repo}/git/trees/{tree_sha}"),
        ("/app/installations/100/access_tokens", "/app/installations/{installation_id}/access_tokens"),
        ("/app/hook/deliveries/12/attempts", "/app/hook/deliveries/{delivery_id}/attempts"),
        ("/repos/o/r/branches/main", OTHER_ROUTE),
        ("/repos/o/r/pulls/7/commits", OTHER_ROUTE),
    ],
)
def test_route_templates(path: str, template: str) -> None:
    assert route_template(path) == template


def test_route_template_below_an_enterprise_server_s_api_path() -> None:
    assert route_template("/api/v3/repos/o/r/check-runs", "/api/v3/") == "/repos/{owner}/{repo}/check-runs"
    assert route_template("/repos/o/r/check-runs", "/api/v3/") == "/repos/{owner}/{repo}/check-runs"


@pytest.mark.anyio
async def test_each_request_is_reported_token_requests_and_retries_included(fake: FakeGitHub) -> None:
    recorder = Recorder()
    fake.fail("GET", r"/pulls/7$", 502)
    async with make_app(fake, observer=recorder) as app:
        gateway = app.gateway_for(OWN)
        await gateway.get_pull(REPO, 7)
        await gateway.create_check_run(REPO, HEAD, "debtbot", "queued")

    pull = "/repos/{owner}/{repo}/pulls/{pull_number}"
    assert recorder.reports == [
        ("POST", "/app/installations/{installation_id}/access_tokens", 201, 4999),  # the App's own budget
        ("GET", pull, 502, 5000),  # the installation's budget, untouched by the failed request
        ("GET", pull, 200, 4999),
        ("POST", "/repos/{owner}/{repo}/check-runs", 201, 4998),
    ]


@pytest.mark.anyio
async def test_a_request_without_an_answer_is_reported_without_a_status(fake: FakeGitHub) -> None:
    recorder = Recorder()
    fake.hang("GET", r"/git/trees/")
    async with make_app(fake, observer=recorder, timeout=0.3) as app:
        with pytest.raises(RequestTimeout):
            await app.gateway_for(OWN).get_tree(REPO, "main")

    assert recorder.reports[-1] == ("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}", None, None)


@pytest.mark.anyio
async def test_a_failing_observer_does_not_fail_the_request(fake: FakeGitHub) -> None:
    def broken(method: str, route: str, status: int | None, remaining: int | None) -> None:
        raise RuntimeError("metrics backend down")

    async with make_app(fake, observer=broken) as app:
        assert (await app.gateway_for(OWN).get_pull(REPO, 7)).number == 7
