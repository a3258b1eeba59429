"""The webhook route under test: a FastAPI app with the router, in-memory delivery log and queue, and a client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from bot.webhooks import DEPENDENCY_TIMEOUT_SECONDS, MAX_BODY_BYTES, JobEnqueuer, webhook_router
from tests.webhooks.deliveries import APP_ID, SECRET
from tests.webhooks.fakes import MemoryEnqueuer, MemoryRecorder


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def recorder() -> MemoryRecorder:
    return MemoryRecorder()


@pytest.fixture
def enqueuer() -> MemoryEnqueuer:
    return MemoryEnqueuer()


def app_with(
    recorder: MemoryRecorder,
    enqueuer: JobEnqueuer,
    *,
    secret: str | None = SECRET,
    max_body_bytes: int = MAX_BODY_BYTES,
    dependency_timeout: float = DEPENDENCY_TIMEOUT_SECONDS,
) -> FastAPI:
    app = FastAPI()
    router = webhook_router(
        secret_provider=lambda: secret,
        recorder=recorder,
        enqueuer=enqueuer,
        app_id=APP_ID,
        max_body_bytes=max_body_bytes,
        dependency_timeout=dependency_timeout,
    )
    app.include_router(router)
    return app


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://debtbot.test")


@pytest.fixture
async def client(recorder: MemoryRecorder, enqueuer: MemoryEnqueuer) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app_with(recorder, enqueuer)) as client:
        yield client
