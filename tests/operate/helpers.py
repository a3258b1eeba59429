"""Small helpers of the operations tests: waiting for something a worker does, signing what GitHub sends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.signature import sign
from tests.worker.conftest import WEBHOOK_SECRET

#: How long a test waits for a worker to get something done before it fails.
PATIENCE_SECONDS = 60.0


async def wait_until(condition: Callable[[], bool], what: str, timeout: float = PATIENCE_SECONDS) -> None:
    """Poll `condition` until it holds; fail the test with `what` when it does not within `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def webhook_headers(event: str, guid: str, body: bytes) -> dict[str, str]:
    """The headers GitHub sends a delivery with, signed with the tests' webhook secret."""
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": guid,
        "X-Hub-Signature-256": sign(WEBHOOK_SECRET, body),
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/operate",
    }
