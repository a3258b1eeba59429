"""The web app under test: settings on a real SQLite file in tmp_path, the app's lifespan run, an HTTP client."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bot.db.engine import upgrade
from bot.settings import Settings
from tests.webhooks.deliveries import APP_ID, SECRET

BASE_URL = "http://debtbot.test"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def no_outside_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Settings come from each test alone: no DEBTBOT_* of the environment, no .env of the working folder.
    Autouse here; the conftests of other folders that run the app import it to make it theirs."""
    for name in [n for n in os.environ if n.startswith("DEBTBOT_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def database_url(data_dir: Path) -> str:
    """An SQLite file, not migrated."""
    return f"sqlite:///{data_dir / 'debtbot.db'}"


@pytest.fixture
async def migrated_database_url(database_url: str) -> str:
    await upgrade(database_url)
    return database_url


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on (bound and not listening, so nothing else takes it meanwhile)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


def make_settings(data_dir: Path, database_url: str, redis_url: str | None, **values: Any) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, database_url=database_url, redis_url=redis_url, **values)


def configured_settings(data_dir: Path, database_url: str, redis_url: str | None, **values: Any) -> Settings:
    """Settings of a configured App: the webhook examples' app id and secret, a private key."""
    return make_settings(
        data_dir,
        database_url,
        redis_url,
        app_id=APP_ID,
        webhook_secret=SECRET,
        private_key_text="-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n",
        **values,
    )


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app started (its lifespan entered) and a client talking to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            yield client
