"""The dashboard under test: the web app on a migrated SQLite file holding the scenario's ledger, a real Redis
database of its own for the sign-ins, and the fake GitHub over HTTP playing github.com and its API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot.app import create_app
from bot.db.engine import make_engine, session_factory, upgrade
from bot.settings import Settings
from tests.app.conftest import BASE_URL, no_outside_settings, serving
from tests.dashboard.scenario import CLIENT_ID, CLIENT_SECRET, SESSION_SECRET, Ids, build_github, build_ledger
from tests.fakegithub import FakeGitHub, shared_app_key

CALLBACK = f"{BASE_URL}/login/callback"

__all__ = ["no_outside_settings"]  # autouse: settings from each test alone


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(app_id=1, public_key=shared_app_key().public_pem) as fake:
        yield fake
        fake.assert_no_violations()


@pytest.fixture
def ids(fake: FakeGitHub) -> Ids:
    return build_github(fake, [CALLBACK])


@pytest.fixture
async def database_url(tmp_path: Path, ids: Ids) -> str:
    """A migrated SQLite file holding the scenario's installations, repositories and ledger."""
    url = f"sqlite:///{tmp_path / 'data' / 'debtbot.db'}"
    await upgrade(url)
    engine = make_engine(url)
    try:
        await build_ledger(session_factory(engine), ids, datetime.now(UTC))
    finally:
        await engine.dispose()
    return url


def dashboard_settings(tmp_path: Path, database_url: str, redis_url: str, fake: FakeGitHub, **values: Any) -> Settings:
    defaults: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "session_secret": SESSION_SECRET,
        "github_url": fake.url,
        "github_api_url": fake.url,
    }
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        database_url=database_url,
        redis_url=redis_url,
        **{**defaults, **values},
    )


@pytest.fixture
def settings_with(tmp_path: Path, database_url: str, redis_url: str, fake: FakeGitHub) -> Callable[..., Settings]:
    """The dashboard's settings with these values changed."""

    def make(**values: Any) -> Settings:
        return dashboard_settings(tmp_path, database_url, redis_url, fake, **values)

    return make


@pytest.fixture
def settings(settings_with: Callable[..., Settings]) -> Settings:
    return settings_with()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A browser talking to the app in-process (its cookie jar is the browser's)."""
    async with serving(create_app(settings)) as client:
        yield client


async def follow_to_github(location: str) -> httpx.Response:
    """The browser at GitHub's authorize page (the fake, over HTTP)."""
    async with httpx.AsyncClient() as browser:
        return await browser.get(location)


async def sign_in(client: httpx.AsyncClient, next_path: str = "/dashboard") -> httpx.Response:
    """The whole web flow: /login, GitHub's authorize page, the callback. Returns the callback's answer."""
    start = await client.get("/login", params={"next": next_path})
    assert start.status_code == 302, start.text
    authorized = await follow_to_github(start.headers["location"])
    assert authorized.status_code == 302, authorized.text
    return await client.get(authorized.headers["location"])


def query_of(url: str) -> dict[str, str]:
    return {name: values[-1] for name, values in parse_qs(urlsplit(url).query).items()}
