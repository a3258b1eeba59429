"""The arq worker: which jobs it runs, and the clients its jobs share (database, GitHub App) opened and closed.

Run it with `debtbot worker` (or `arq bot.worker.WorkerSettings`); `debtbot serve` runs the same worker in its
own event loop when DEBTBOT_REDIS_URL is unset (`bot.embedded.run_inprocess_worker`).

Health: a running worker rewrites the key `<queue>:health-check` every `health_check_interval` seconds (it
expires a second after that). `debtbot worker --check`, or `arq --check bot.worker.WorkerSettings` with the
same DEBTBOT_* environment, exits 0 while the key is there and 1 when it is not: a container health check.
While Redis is down, `debtbot worker --check` exits 1 at once; `arq --check` waits for Redis, as the worker does.

`WorkerSettings` is built from the settings on first access (a module `__getattr__`), so importing this module
never reads the environment; `worker_settings(settings)` builds it for given settings.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from arq.connections import ArqRedis, RedisSettings
from arq.cron import CronJob, cron
from arq.worker import Function, func
from githubkit.cache import AsyncRedisCacheStrategy
from redis.asyncio.retry import Retry as RedisRetry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot import redelivery, tasks
from bot.db.engine import make_engine, schema_is_current, session_factory
from bot.github import GitHubApp, GitHubKitApp
from bot.jobs import (
    AcceptCommand,
    BaselineScan,
    HeadReviewRequest,
    PullRequestClosed,
    PushReview,
    ReviewCommentCommand,
    ReviewRequest,
    SyncInstallation,
)
from bot.ledger import weekly
from bot.logging import get_logger
from bot.metrics import observe_github_request
from bot.settings import Settings, SettingsError, get_settings
from bot.worker_context import DEPS, GITHUB, OPTIONS, REDIS, SETTINGS, WorkerDeps, WorkerOptions

log = get_logger(__name__)


#: Key of arq's `ctx` holding the periodic redelivery's task (`bot.redelivery`), cancelled at shut-down.
REDELIVERY = "redelivery"

#: Waits between tries of a Redis command while Redis is down: doubling from the base, at most the cap.
REDIS_RETRY_BASE_SECONDS = 0.1
REDIS_RETRY_CAP_SECONDS = 2.0

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
    ctx[REDELIVERY] = redelivery.start(ctx[DEPS])
    await weekly.catch_up_at_start(ctx[DEPS])


async def shutdown(ctx: dict[str, Any]) -> None:
    """arq's `on_shutdown`: close what `startup` opened."""
    await redelivery.stop(ctx.pop(REDELIVERY, None))
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
        BaselineScan.name: tasks.baseline_scan,
    }
    return [func(job, name=name, max_tries=arq_max_tries(options)) for name, job in jobs.items()]


def cron_jobs(options: WorkerOptions | None = None) -> list[CronJob]:
    """Periodic jobs. (The redelivery of failed deliveries runs beside the jobs, `bot.redelivery`: as a job it
    would run in every burst worker at start.)"""
    jobs: list[CronJob] = []
    # Daily, shortly after midnight UTC: accepted debt past its last day is open again (a missed day catches up).
    jobs.append(cron(tasks.expire_acceptances, name="expire_acceptances", hour={0}, minute={5}, unique=True))
    # Hourly: the weekly debt reports that are due (at start too, when one may be: `weekly.catch_up_at_start`).
    jobs.append(weekly.cron_job(options or WorkerOptions()))
    return jobs


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
        "cron_jobs": cron_jobs(options),
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
        kwargs["redis_settings"] = patient_redis_settings(settings.redis_url.get_secret_value())
    return kwargs


def patient_redis_settings(url: str) -> RedisSettings:
    """The worker's Redis connection: every command that meets a dropped or refused connection is sent again,
    up to REDIS_RETRY_CAP_SECONDS apart, until Redis answers.

    arq stops the worker at the first Redis error (its poll, or recording a finished job), so a Redis restart
    would take the worker down and leave the job in hand to arq's in-progress lease (job timeout + 10 s); riding
    the outage out, the job finishes and is recorded once Redis is back. The health probe must not wait: it
    uses `RedisSettings.from_dsn` (`bot.cli.worker`).
    """
    return dataclasses.replace(
        RedisSettings.from_dsn(url),
        retry_on_error=[RedisConnectionError, RedisTimeoutError, OSError],
        retry=RedisRetry(ExponentialBackoff(cap=REDIS_RETRY_CAP_SECONDS, base=REDIS_RETRY_BASE_SECONDS), retries=-1),
    )


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
