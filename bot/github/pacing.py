"""One installation's writes, one at a time and about a second apart.

GitHub limits content creation to about 80 requests a minute and 500 an hour per installation, and
answers bursts with secondary rate limits. Writes of one installation wait for each other here and
leave `interval` seconds between the end of one and the start of the next.

The lock lives in this process only: workers in several processes (or on several hosts) each pace
their own writes, so together they can still burst. Pacing across processes would need a shared lock
(a Redis lock per installation, with the time of the last write kept beside it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

#: Seconds between one installation's content-creating requests.
DEFAULT_WRITE_INTERVAL = 1.0

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class WritePacer:
    """Serializes the writes of one installation and spaces them `interval` seconds apart."""

    def __init__(
        self, interval: float = DEFAULT_WRITE_INTERVAL, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._next_at: float | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold this while sending one write (its retries included)."""
        async with self._lock:
            if self._next_at is not None:
                wait = self._next_at - self._clock()
                if wait > 0:
                    await self._sleep(wait)
            try:
                yield
            finally:
                # Counted from the end: a slow write is not followed by another at once.
                self._next_at = self._clock() + self.interval


class WritePacing:
    """The pacers of every installation this process writes for."""

    def __init__(
        self, interval: float = DEFAULT_WRITE_INTERVAL, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._pacers: dict[int, WritePacer] = {}

    def pacer(self, installation_id: int) -> WritePacer:
        found = self._pacers.get(installation_id)
        if found is None:
            found = self._pacers[installation_id] = WritePacer(self.interval, clock=self._clock, sleep=self._sleep)
        return found
