"""One installation's writes go one at a time, a second apart; reads and other installations do not wait.

A clock and a sleep of the test's own stand in for time: the sleeps asked for are what is asserted.
"""

from __future__ import annotations

import anyio
import pytest

from bot.github import WritePacer, WritePacing
from tests.fakegithub import FakeGitHub
from tests.gateway.world import HEAD, OTHER, OWN, REPO, SECRETS, make_app

pytest_plugins = ["tests.fakegithub.plugin"]
pytestmark = pytest.mark.anyio


class Clock:
    """Time that moves only when someone sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await anyio.sleep(0)  # let the other writers run, as a real sleep would


async def test_the_first_write_goes_at_once_and_the_next_waits_the_interval() -> None:
    clock = Clock()
    pacer = WritePacer(1.0, clock=clock, sleep=clock.sleep)
    async with pacer.turn():
        pass
    clock.now += 0.25  # the caller did something else meanwhile
    async with pacer.turn():
        pass
    clock.now += 5  # long after: no wait
    async with pacer.turn():
        pass

    assert clock.sleeps == [0.75]


async def test_concurrent_writes_are_serialized() -> None:
    clock = Clock()
    pacer = WritePacer(1.0, clock=clock, sleep=clock.sleep)
    events: list[str] = []

    async def write(name: str) -> None:
        async with pacer.turn():
            events.append(f"start {name}")
            await anyio.sleep(0)  # another writer gets the chance to barge in
            events.append(f"end {name}")

    async with anyio.create_task_group() as group:
        for name in ("a", "b", "c"):
            group.start_soon(write, name)

    assert events == ["start a", "end a", "start b", "end b", "start c", "end c"]
    assert clock.sleeps == [1.0, 1.0]


async def test_installations_are_paced_apart() -> None:
    clock = Clock()
    pacing = WritePacing(1.0, clock=clock, sleep=clock.sleep)
    for installation in (OWN, OTHER, OWN):
        async with pacing.pacer(installation).turn():
            pass

    assert pacing.pacer(OWN) is pacing.pacer(OWN)
    assert clock.sleeps == [1.0]  # OWN's second write; OTHER's first went at once


async def test_the_gateway_paces_writes_but_not_reads(fake: FakeGitHub) -> None:
    clock = Clock()
    pacing = WritePacing(1.0, clock=clock, sleep=clock.sleep)
    async with make_app(fake, pacing=pacing) as app:
        own, other = app.gateway_for(OWN), app.gateway_for(OTHER)
        run_id = await own.create_check_run(REPO, HEAD, "debtbot", "in_progress")
        await own.get_pull(REPO, 7)
        await other.create_issue_comment(SECRETS, 3, "another customer's write")
        await own.update_check_run(REPO, run_id, conclusion="success", output={"title": "t", "summary": "s"})
        await own.get_diff(REPO, 7)
        await own.create_issue_comment(REPO, 7, "summary")

    assert clock.sleeps == [1.0, 1.0]
    assert app.gateway_for(OWN) is not own  # a new gateway for each job...
    assert pacing.pacer(OWN) is pacing.pacer(OWN)  # ...sharing its installation's pacer
