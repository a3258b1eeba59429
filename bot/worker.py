"""The arq worker: which jobs it runs, and the clients its jobs share (database, GitHub App) opened and closed.

Run it with `debtbot worker` (or `arq bot.worker.WorkerSettings`); `debtbot serve` runs the same worker in its
own event loop when DEBTBOT_REDIS_URL is unset (`bot.embedded.run_inprocess_worker`).

Health: a running worker rewrites the key `<queue>:health-check` every `health_check_interval` seconds (it
expires a second after that). `debtbot worker --check`, or `arq --check bot.worker.WorkerSettings` with the
same DEBTBOT_* environment, exits 0 while the key is there and 1 when it is not: a container health check.

`WorkerSettings` is built from the settings on first access (a module `__getattr__`), so importing this module
never reads the environment; `worker_settings(settings)` builds it for given settings.
"""

from __future__ import annotations

import functools
from typing import Any

from arq.connections import ArqRedis, RedisSettings
from arq.worker import Function, func
from githubkit.cache import AsyncRedisCacheStrategy

from bot import tasks
from bot.db.engine import make_engine, schema_is_current, session_factory
from bot.github import GitHubApp, GitHubKitApp
from bot.jobs import (
    AcceptCommand,
    HeadReviewRequest,
    PullRequestClosed,
    PushReview,
    ReviewCommentCommand,
    ReviewRequest,
    SyncInstallation,
)
from bot.logging import get_logger
from bot.metrics import observe_github_request
from bot.settings import Settings, SettingsError, get_settings
from bot.worker_context import DEPS, GITHUB, OPTIONS, REDIS, SETTINGS, WorkerDeps, WorkerOptions

log = get_logger(__name__)


NOT_CONFIGURED = "the GitHub App is not configured: set DEBTBOT_APP_ID, DEBTBOT_PRIVATE_KEY and DEBTBOT_WEBHOOK_SECRET"


class SchemaOutdatedError(RuntimeError):
    """The database is not at this version's schema: the worker refuses to start rather than corrupt it."""


def github_app(settings: Settings, options: WorkerOptions, redis: ArqRedis | None) -> GitHubKitApp:
    """The App on githubkit, its installation tokens cached in Redis (shared by every worker process)."""
    if not settings.configured or settings.app_id is None:
        raise SettingsError(NOT_CONFIGURED)
    return GitHubKitApp(
        app_id=settings.app_id,
        private_key=settings.private_key(),
        base_url=settings.github_api_url,
        cache_strategy=None if redis is None else AsyncRedisCacheStrategy(redis, prefix="debtbot:githubkit"),
        timeout=options.github_timeout,
        observer=observe_github_request,
        retry=options.github_retry,
        write_interval=options.write_interval,
    )


async def startup(ctx: dict[str, Any]) -> None:
    """arq's `on_startup`: open the database (refusing an old schema) and the GitHub App; put them in `ctx`.

    A `GitHubApp` already in `ctx["github"]` is used as it is (and not closed at shut-down).
    """
    settings = ctx.get(SETTINGS)
    if not isinstance(settings, Settings):
        settings = get_settings()
    options = ctx.get(OPTIONS)
    if not isinstance(options, WorkerOptions):
        options = WorkerOptions()
    engine = make_engine(settings.database_url)
    try:
        if not await schema_is_current(engine):
            raise SchemaOutdatedError(
                "the database schema is not this version's: run `debtbot migrate` (alembic upgrade head) first"
            )
        redis: ArqRedis | None = ctx.get(REDIS)
        owned: GitHubKitApp | None = None
        github: GitHubApp | None = ctx.get(GITHUB)
        if github is None:
            github = owned = github_app(settings, options, redis)
        ctx[DEPS] = WorkerDeps(
            settings=settings,
            options=options,
            engine=engine,
            sessions=session_factory(engine),
            github=github,
            redis=redis,
            owned_github=owned,
        )
    except BaseException:
        await engine.dispose()
        raise
    log.info(
        "worker_started",
        database=settings.redacted_database_url(),
        github=settings.github_api_url,
        max_tries=options.max_tries,
        job_timeout=options.job_timeout,
    )


async def shutdown(ctx: dict[str, Any]) -> None:
    """arq's `on_shutdown`: close what `startup` opened."""
    deps = ctx.pop(DEPS, None)
    if isinstance(deps, WorkerDeps):
        await deps.aclose()
    log.info("worker_stopped")


def functions(options: WorkerOptions | None = None) -> list[Function]:
    """Every job routing produces, under the names `bot.jobs` gives them."""
    options = options or WorkerOptions()
    jobs = {
        ReviewRequest.name: tasks.review_pull_request,
        HeadReviewRequest.name: tasks.review_head,
        ReviewCommentCommand.name: tasks.review_comment_command,
        SyncInstallation.name: tasks.sync_installation,
        PullRequestClosed.name: tasks.pr_closed,
        AcceptCommand.name: tasks.accept_command,
        PushReview.name: tasks.review_push,
    }
    return [func(job, name=name, max_tries=arq_max_tries(options)) for name, job in jobs.items()]


def arq_max_tries(options: WorkerOptions) -> int:
    """arq's limit: one call more than the jobs' own tries.

    A job never asks for a try past `options.max_tries` (its last try ends the review, neutral if it must),
    but a try cut off by a worker shutting down is counted too: the spare call lets such a last try run
    again and complete its check run, where arq would otherwise fail the job without calling it.
    """
    return options.max_tries + 1


def worker_kwargs(settings: Settings, options: WorkerOptions | None = None) -> dict[str, Any]:
    """Keyword arguments of `arq.worker.Worker` for these settings (a test adds its pool, burst mode...)."""
    options = options or WorkerOptions()
    kwargs: dict[str, Any] = {
        "functions": functions(options),
        "queue_name": settings.queue_name,
        "on_startup": startup,
        "on_shutdown": shutdown,
        "max_tries": arq_max_tries(options),
        "job_timeout": options.job_timeout,
        "keep_result": options.keep_result,
        "health_check_interval": options.health_check_interval,
        # `startup` adds the shared clients to this dict: one worker per `WorkerSettings` (per process).
        "ctx": {SETTINGS: settings, OPTIONS: options},
    }
    if settings.redis_url is not None:
        kwargs["redis_settings"] = RedisSettings.from_dsn(settings.redis_url.get_secret_value())
    return kwargs


def worker_settings(settings: Settings, options: WorkerOptions | None = None) -> type:
    """An arq `WorkerSettings` class for these settings (what `arq` and `run_worker` take)."""
    return type("WorkerSettings", (), worker_kwargs(settings, options))


@functools.cache
def _default_worker_settings() -> type:
    return worker_settings(get_settings())


def __getattr__(name: str) -> type:
    # `bot.worker.WorkerSettings` reads the settings only when something asks for it (arq's CLI, `debtbot worker`).
    if name == "WorkerSettings":
        return _default_worker_settings()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
