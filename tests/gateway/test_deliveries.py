"""The App's webhook delivery log: failed deliveries since a time, and asking GitHub to deliver one again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.fakegithub import FakeGitHub
from tests.gateway.world import OWN, make_app

pytest_plugins = ["tests.fakegithub.plugin"]
pytestmark = pytest.mark.anyio


async def test_failed_deliveries_are_listed_newest_first_across_pages(fake: FakeGitHub) -> None:
    failed = []
    for i in range(150):
        failed.append(fake.add_delivery("pull_request", action="opened", status_code=502, installation_id=OWN))
        if i % 50 == 0:
            fake.add_delivery("ping")  # delivered fine
    async with make_app(fake) as app:
        found = await app.list_failed_deliveries(datetime.now(UTC) - timedelta(hours=1))

    assert [d.id for d in found] == [d.id for d in reversed(failed)]
    newest = found[0]
    assert (newest.guid, newest.event, newest.action, newest.status_code) == (
        failed[-1].guid,
        "pull_request",
        "opened",
        502,
    )
    assert (newest.installation_id, newest.redelivery) == (OWN, False)
    first_page = next(r for r in fake.requests if r.path == "/app/hook/deliveries")
    assert (first_page.query["status"], first_page.query["per_page"]) == (["failure"], ["100"])


async def test_deliveries_before_since_are_left_out(fake: FakeGitHub) -> None:
    fake.add_delivery("pull_request", status_code=500)
    async with make_app(fake) as app:
        assert await app.list_failed_deliveries(datetime.now(UTC) + timedelta(minutes=5)) == []
        with pytest.raises(ValueError, match="timezone-aware"):
            await app.list_failed_deliveries(datetime.now())


async def test_a_delivery_is_redelivered_with_its_guid(fake: FakeGitHub) -> None:
    failed = fake.add_delivery("pull_request", action="synchronize", status_code=500, installation_id=OWN)
    async with make_app(fake) as app:
        await app.redeliver(failed.id)

    assert fake.redeliveries == [failed.id]
    again = max(fake.world.deliveries.values(), key=lambda d: d.id)
    assert (again.guid, again.redelivery) == (failed.guid, True)
