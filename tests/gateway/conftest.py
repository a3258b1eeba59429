"""Fixtures of the gateway tests: the fake GitHub's world, and an App pointed at it."""

from __future__ import annotations

import pytest

from tests.fakegithub import FakeGitHub
from tests.gateway.world import populate


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake(fake_github: FakeGitHub) -> FakeGitHub:
    """The `fake_github` of tests.fakegithub.plugin (each test module lists it), with two customers in it."""
    populate(fake_github)
    return fake_github
