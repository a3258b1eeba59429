"""/metrics: Prometheus' text format, every metric the service declares, deliveries counted by what was answered."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.app import create_app, delivery_outcome
from bot.webhooks import PATH
from tests.app.conftest import configured_settings, serving
from tests.webhooks.deliveries import Delivery, example

pytestmark = pytest.mark.anyio

DECLARED = {
    "debtbot_build_info",
    "debtbot_webhook_deliveries",
    "debtbot_queue_depth",
    "debtbot_job_duration_seconds",
    "debtbot_jobs",
    "debtbot_github_requests",
    "debtbot_github_rate_limit_remaining",
    "debtbot_findings",
}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def delivery_count(text: str, event: str, outcome: str) -> float:
    key = ("debtbot_webhook_deliveries_total", (("event", event), ("outcome", outcome)))
    return samples(text).get(key, 0.0)


async def test_metrics_parse_and_name_every_declared_metric(
    data_dir: Path, migrated_database_url: str, redis_url: str, queue_name: str
) -> None:
    metrics.observe_github_request("get", "/repos/{owner}/{repo}/pulls/{pull_number}", 200, 4999)
    metrics.observe_job("review_pull_request", "success", 1.5)
    metrics.count_finding("data", "DATA001")
    app = create_app(configured_settings(data_dir, migrated_database_url, redis_url, queue_name=queue_name))

    async with serving(app) as client:
        response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    families = {family.name: family for family in text_string_to_metric_families(response.text)}
    assert set(families) >= DECLARED
    values = samples(response.text)
    assert values[("debtbot_queue_depth", ())] == 0.0  # read from the real, empty queue at this scrape
    assert values[("debtbot_github_rate_limit_remaining", ())] == 4999.0
    github = (("method", "GET"), ("route", "/repos/{owner}/{repo}/pulls/{pull_number}"), ("status", "200"))
    assert values[("debtbot_github_requests_total", github)] >= 1
    assert values[("debtbot_findings_total", (("category", "data"), ("rule", "DATA001")))] >= 1
    assert values[("debtbot_job_duration_seconds_count", (("job", "review_pull_request"),))] >= 1


async def test_the_queue_depth_counts_waiting_jobs_at_each_scrape(
    data_dir: Path, migrated_database_url: str, redis_url: str, queue_name: str
) -> None:
    delivery = example("pull_request/synchronize.payload.json")
    app = create_app(configured_settings(data_dir, migrated_database_url, redis_url, queue_name=queue_name))

    async with serving(app) as client:
        await client.post(PATH, content=delivery.body, headers=delivery.headers())
        scraped = await client.get("/metrics")

    assert samples(scraped.text)[("debtbot_queue_depth", ())] == 1.0


async def test_deliveries_are_counted_by_event_and_outcome(
    data_dir: Path, migrated_database_url: str, redis_url: str, queue_name: str
) -> None:
    delivery = example("pull_request/synchronize.payload.json")
    forged = Delivery("pull_request", b"{}")
    app = create_app(configured_settings(data_dir, migrated_database_url, redis_url, queue_name=queue_name))

    async with serving(app) as client:
        before = (await client.get("/metrics")).text
        await client.post(PATH, content=delivery.body, headers=delivery.headers())
        await client.post(PATH, content=delivery.body, headers=delivery.headers())
        await client.post(PATH, content=forged.body, headers=forged.headers(secret="wrong"))
        after = (await client.get("/metrics")).text

    def grew(event: str, outcome: str) -> float:
        return delivery_count(after, event, outcome) - delivery_count(before, event, outcome)

    assert grew("pull_request", "queued") == 1
    assert grew("pull_request", "duplicate") == 1
    # An unsigned request's event header is not believed.
    assert grew("unverified", "rejected_signature") == 1
    assert grew("pull_request", "rejected_signature") == 0


def test_an_unknown_event_name_never_becomes_a_label_of_its_own() -> None:
    assert metrics.event_label("pull_request") == "pull_request"
    assert metrics.event_label("x" * 500) == "other"
    assert metrics.event_label(None) == "other"


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (202, b'{"status":"queued","job_id":"review:1:2:abc"}', "queued"),
        (200, b'{"status":"duplicate","reason":"already received"}', "duplicate"),
        (200, b'{"status":"ignored","reason":"draft"}', "ignored"),
        (200, b'{"status":"pong","zen":"Keep it simple."}', "pong"),
        (200, b"not json", "ignored"),
        (413, b"", "too_large"),
        (503, b"", "unavailable"),
        (500, b"", "error"),
    ],
)
def test_the_outcome_is_read_from_the_answer(status: int, body: bytes, outcome: str) -> None:
    assert delivery_outcome(status, body) == outcome
