"""pytest fixtures for the fake GitHub: import `fake_github` into a test module (or list this module in a
top-level `pytest_plugins`) to get a running fake that fails the test on any protocol violation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakegithub.fake import FakeGitHub
from tests.fakegithub.keys import FAKE_APP_ID, shared_app_key


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    with FakeGitHub(app_id=FAKE_APP_ID, public_key=shared_app_key().public_pem) as fake:
        yield fake
        fake.assert_no_violations()
