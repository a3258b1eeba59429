"""`debtbot worker`: run the arq worker that reviews pull requests (needs DEBTBOT_REDIS_URL), or check one is alive.

The service's modules are imported when the command runs, so that `debtbot review` starts without them.
"""

from __future__ import annotations

import argparse

from bot.cli.errors import CliError

EXIT_OK = 0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "worker",
        help="run the worker that reviews pull requests from the queue (DEBTBOT_REDIS_URL)",
        description=(
            "Take jobs from the Redis queue at DEBTBOT_REDIS_URL and run them: reviews, re-runs, commands. "
            "Start as many as you need; `debtbot serve` runs one in-process when DEBTBOT_REDIS_URL is unset. "
            "Migrate the database first (`debtbot migrate`)."
        ),
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 0 if a worker on this queue wrote its health-check key recently, 1 if not (a health check)",
    )
    parser.add_argument("--burst", action="store_true", help="stop once the queue is empty")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio  # noqa: PLC0415

    from arq.connections import RedisSettings  # noqa: PLC0415 - see the module's docstring
    from arq.worker import async_check_health, run_worker  # noqa: PLC0415

    from bot.cli.check import run_startup_checks  # noqa: PLC0415
    from bot.logging import configure_logging, secrets_of  # noqa: PLC0415
    from bot.settings import SettingsError, get_settings  # noqa: PLC0415
    from bot.worker import worker_settings  # noqa: PLC0415
    from bot.worker_metrics import serve_worker_metrics  # noqa: PLC0415

    try:
        settings = get_settings()
    except (SettingsError, ValueError) as exc:
        raise CliError(f"invalid settings: {exc}") from None
    if settings.redis_url is None:
        raise CliError(
            "set DEBTBOT_REDIS_URL to the Redis server the web app queues jobs in "
            "(without it, `debtbot serve` runs its own Redis and the worker in-process)"
        )
    configure_logging(settings.log_level, secrets=secrets_of(settings))
    if args.check:
        # Plain Redis settings, not the worker's (they wait for Redis to come back): a probe must answer at once.
        probe = RedisSettings.from_dsn(settings.redis_url.get_secret_value())
        return int(asyncio.run(async_check_health(probe, queue_name=settings.queue_name)))
    settings_class = worker_settings(settings)
    # The App's key, the database, Redis and the secrets: every problem said before arq starts.
    run_startup_checks(settings, "worker")
    try:
        stop_metrics = serve_worker_metrics(settings)
    except OSError as exc:
        raise CliError(f"DEBTBOT_WORKER_METRICS_PORT: cannot serve on {settings.worker_metrics_port}: {exc}") from None
    try:
        run_worker(settings_class, **({"burst": True} if args.burst else {}))
    finally:
        if stop_metrics is not None:
            stop_metrics()
    return EXIT_OK
