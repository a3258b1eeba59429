"""What the worker's jobs share: options, open clients, the keys of arq's `ctx` that hold them, and job outcomes.

`bot.worker` opens the clients at start-up and puts them in `ctx`; `bot.tasks` reads them back with `deps_of`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.github import GitHubApp, GitHubKitApp, ShortRetry
from bot.github.githubkit_gateway import DEFAULT_TIMEOUT
from bot.github.pacing import DEFAULT_WRITE_INTERVAL
from bot.review_inputs import MAX_LISTED_FILES, TextBudget
from bot.settings import Settings

#: Keys of arq's `ctx` the worker fills: its settings and options (given, or read at start-up) and the shared
#: clients (`WorkerDeps`, made at start-up).
SETTINGS = "settings"
OPTIONS = "options"
DEPS = "deps"
#: Given in `ctx` (tests), a `GitHubApp` the worker uses instead of making one.
GITHUB = "github"
#: What arq puts in `ctx`: its Redis pool, and per job its id and try number (1 for the first).
REDIS = "redis"
JOB_ID = "job_id"
JOB_TRY = "job_try"

#: A review that has not finished this long before arq's job timeout is stopped by the review itself,
#: so it can still complete its check run (arq would cancel it without a word).
REVIEW_DEADLINE_MARGIN_SECONDS = 30.0


class Outcome(StrEnum):
    """How a job ended (also the `outcome` label of the jobs metric)."""

    SUCCESS = "success"
    IGNORED = "ignored"
    TOLD_USER = "told_user"
    #: A passing failure outlasted every try (or the review ran out of time): the check run says so.
    FAILED = "failed"


@dataclass(frozen=True)
class WorkerOptions:
    """Knobs of the worker that are not user settings (tests shorten the waits)."""

    max_tries: int = 5
    #: Seconds a job may run before arq cancels it.
    job_timeout: float = 600.0
    #: Seconds arq keeps a finished job's result, and with it the job id (a job with that id is refused).
    keep_result: float = 3600.0
    health_check_interval: float = 60.0
    #: Cap on how long a retried job waits (None: the wait `bot.errors.classify` asks for).
    max_retry_defer: float | None = None
    #: Seconds between one installation's writes to GitHub (content creation is rate-limited).
    write_interval: float = DEFAULT_WRITE_INTERVAL
    #: Seconds each phase of a GitHub request may take.
    github_timeout: float = DEFAULT_TIMEOUT
    github_retry: ShortRetry = field(default_factory=ShortRetry)
    text_budget: TextBudget = field(default_factory=TextBudget)
    #: A files listing this long is taken as cut short (GitHub lists at most 3,000 files of a pull request).
    max_listed_files: int = MAX_LISTED_FILES

    @property
    def review_deadline(self) -> float:
        """Seconds a review may take before it gives up and completes its check run as neutral."""
        return max(1.0, self.job_timeout - REVIEW_DEADLINE_MARGIN_SECONDS)

    def defer(self, seconds: float) -> float:
        """How long to wait before the next try, given what the classifier asked for."""
        return seconds if self.max_retry_defer is None else min(seconds, self.max_retry_defer)


@dataclass
class WorkerDeps:
    """What every job uses, opened once per worker at start-up and closed at shut-down."""

    settings: Settings
    options: WorkerOptions
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    github: GitHubApp
    #: The pool arq runs on: jobs that start other jobs enqueue through it (into the worker's own queue).
    redis: ArqRedis | None
    #: The App the worker made itself (closed with the rest); None when it was given one.
    owned_github: GitHubKitApp | None = None

    async def aclose(self) -> None:
        if self.owned_github is not None:
            await self.owned_github.aclose()
        await self.engine.dispose()


def deps_of(ctx: dict[str, Any]) -> WorkerDeps:
    deps = ctx.get(DEPS)
    if not isinstance(deps, WorkerDeps):
        raise RuntimeError("the worker was not started through bot.worker.startup: no shared clients in ctx")
    return deps
