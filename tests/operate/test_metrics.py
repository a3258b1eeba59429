"""Every metric the issue asks for, moved by the real path and read back from /metrics as Prometheus reads it:
a signed delivery through the web app, the job through a real arq worker on real Redis, the requests to the fake
GitHub over HTTP, the findings of the review."""

from __future__ import annotations

import time
from collections import Counter

import httpx
import pytest
from arq.connections import ArqRedis

from bot.settings import Settings
from tests.e2e.conftest import deliver, drain, pull_request_delivery
from tests.fakegithub import FakeGitHub
from tests.operate.scrape import samples, value
from tests.worker.world import DEBT_FILES, OWN, World

pytestmark = [pytest.mark.anyio, pytest.mark.services]

PULL = r"^/repos/octo-org/widgets/pulls/7$"
CATEGORY = {"CODE001": "code", "DEP001": "dependency", "MODEL001": "model", "MODEL008": "model"}


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return samples(response.text)


async def test_a_review_moves_every_metric(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    # Only the review talks to GitHub here: the latest rate limit seen is the review's.
    quiet = settings.model_copy(update={"redelivery_interval_minutes": 0})
    pull = world.open_pull(7, DEBT_FILES)
    opened = pull_request_delivery(world, 7)
    fake.set_rate_limit_remaining(OWN, 4321)
    fake.fail("GET", PULL, 502, times=1)  # answered again at once by the gateway's short retry

    before = await scrape(client)
    await deliver(client, opened)
    await deliver(client, opened)  # GitHub's redelivery of the same event
    waiting = await scrape(client)
    worker = await drain(quiet, pool)
    after = await scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert worker.jobs_complete == 1
    # Deliveries by event and outcome.
    assert grew("debtbot_webhook_deliveries_total", event="pull_request", outcome="queued") == 1
    assert grew("debtbot_webhook_deliveries_total", event="pull_request", outcome="duplicate") == 1
    # Queue depth, read from Redis at each scrape.
    assert (value(waiting, "debtbot_queue_depth"), value(after, "debtbot_queue_depth")) == (1, 0)
    # Job outcomes and durations.
    assert grew("debtbot_jobs_total", job="review_pull_request", outcome="success") == 1
    assert grew("debtbot_job_duration_seconds_count", job="review_pull_request") == 1
    assert grew("debtbot_job_duration_seconds_sum", job="review_pull_request") > 0
    # GitHub API calls by status, as the fake answered them.
    pulls = "/repos/{owner}/{repo}/pulls/{pull_number}"
    assert grew("debtbot_github_requests_total", method="GET", route=pulls, status="502") == 1
    statuses = Counter(r.status for r in fake.requests if r.method == "GET" and r.path.endswith("/pulls/7"))
    assert grew("debtbot_github_requests_total", method="GET", route=pulls, status="200") == statuses[200]
    check_runs = "/repos/{owner}/{repo}/check-runs"
    assert grew("debtbot_github_requests_total", method="POST", route=check_runs, status="201") == 1
    tokens = "/app/installations/{installation_id}/access_tokens"
    assert grew("debtbot_github_requests_total", method="POST", route=tokens, status="201") >= 1
    # Rate limit remaining: what the fake's last answer said (the last request was the installation's).
    assert fake.requests[-1].headers["authorization"].startswith("token ")
    remaining = fake.rate_limits.budget(f"installation:{OWN}", time.time()).remaining
    assert value(after, "debtbot_github_rate_limit_remaining") == remaining < 4321
    # Findings by category and rule: one per annotation of the check run.
    (check,) = fake.check_runs(head_sha=pull.head_sha)
    annotated = Counter(a["title"].split()[0] for a in check.annotations)
    assert set(annotated) == set(CATEGORY)
    for rule, count in annotated.items():
        assert grew("debtbot_findings_total", category=CATEGORY[rule], rule=rule) == count


async def test_a_job_that_fails_is_counted_by_its_outcome(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    quiet = settings.model_copy(update={"redelivery_interval_minutes": 0})
    world.open_pull(7, DEBT_FILES)
    fake.fail("GET", PULL, 502, times=None)  # GitHub fails every try

    before = await scrape(client)
    await deliver(client, pull_request_delivery(world, 7))
    await drain(quiet, pool)  # three tries (E2E_OPTIONS)
    after = await scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("debtbot_jobs_total", job="review_pull_request", outcome="retry") == 2
    assert grew("debtbot_jobs_total", job="review_pull_request", outcome="failed") == 1
    assert grew("debtbot_job_duration_seconds_count", job="review_pull_request") == 3
    pulls = "/repos/{owner}/{repo}/pulls/{pull_number}"
    assert grew("debtbot_github_requests_total", method="GET", route=pulls, status="502") >= 3
