"""The JSON log lines of a real review: a signed delivery, the queue, a real arq worker, the fake GitHub."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis

from bot.settings import Settings
from tests.e2e.conftest import deliver, drain, pull_request_delivery
from tests.worker.world import DEBT_FILES, OWN, REPO, World

pytestmark = [pytest.mark.anyio, pytest.mark.services]

#: The loggers of the review's own code: everything they say during a review concerns that review.
REVIEW_LOGGERS = ("bot.tasks", "bot.pull_review", "bot.publish", "bot.ledger")


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_every_line_of_a_review_names_its_delivery_installation_repository_pull_request_and_head(
    world: World,
    client: httpx.AsyncClient,
    pool: ArqRedis,
    settings: Settings,
    json_logs: io.StringIO,
) -> None:
    pull = world.open_pull(7, DEBT_FILES)
    opened = pull_request_delivery(world, 7)

    await deliver(client, opened)
    await drain(settings, pool)

    logged = lines(json_logs)
    review = [line for line in logged if line.get("job") == "review_pull_request"]
    bound = {
        "delivery_id": opened.delivery_id,
        "installation_id": OWN,
        "repo": REPO,
        "pr": 7,
        "head_sha": pull.head_sha,
    }
    assert {line["event"] for line in review} >= {"review_started", "review_published", "job_done"}
    for line in review:
        assert {key: line.get(key) for key in bound} == bound, line
    # The review's own loggers never speak outside that context; the HTTP client's lines during it carry it too.
    ours = [line for line in logged if str(line.get("logger", "")).startswith(REVIEW_LOGGERS)]
    assert ours
    assert all(line.get("job") == "review_pull_request" for line in ours), ours
    assert any(line.get("logger") == "httpx" for line in review)
    # The webhook's line names the delivery it queued.
    (queued,) = [line for line in logged if line["event"] == "webhook_queued"]
    assert queued["delivery_id"] == opened.delivery_id
