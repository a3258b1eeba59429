"""`debtbot serve`: the web app under uvicorn, with a private Redis and the worker in-process when REDIS_URL is unset.

The service's modules are imported when the command runs, so that `debtbot review` starts without them.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from contextlib import ExitStack, suppress
from types import FrameType
from typing import TYPE_CHECKING

from bot.cli.errors import CliError

if TYPE_CHECKING:
    import asyncio

    import uvicorn

    from bot.settings import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
EXIT_OK = 0
EXIT_FAILED = 1


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "serve",
        help="run the GitHub App's web server (and, without DEBTBOT_REDIS_URL, a private Redis and the worker)",
        description=(
            "Serve the webhook, health, metrics and setup pages. When DEBTBOT_REDIS_URL is unset, a private "
            "redis-server is started under DEBTBOT_DATA_DIR and the worker runs in this process too. "
            "Migrate the database first (`debtbot migrate`)."
        ),
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default: {DEFAULT_PORT})")
    parser.set_defaults(run=run)


class _Stop:
    """SIGINT/SIGTERM outside uvicorn's own handling: note it, and tell the server if there is one.

    uvicorn installs its handlers while it serves and, on leaving, restores these and raises the signal
    again; a handler that only takes note lets the worker and the private Redis be stopped in order.
    """

    def __init__(self) -> None:
        self.requested = False
        self.server: uvicorn.Server | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        if self.server is not None:
            self.server.should_exit = True


def run(args: argparse.Namespace) -> int:
    import asyncio  # noqa: PLC0415

    from bot.cli.check import run_startup_checks  # noqa: PLC0415 - see the module's docstring
    from bot.embedded import EmbeddedRedis, EmbeddedRedisError  # noqa: PLC0415
    from bot.logging import configure_logging, secrets_of  # noqa: PLC0415
    from bot.settings import SettingsError, get_settings  # noqa: PLC0415

    try:
        settings = get_settings()
    except (SettingsError, ValueError) as exc:
        raise CliError(f"invalid settings: {exc}") from None
    configure_logging(settings.log_level, secrets=secrets_of(settings))
    # The database's schema, Redis, the App's key and the secrets: every problem said before anything starts.
    run_startup_checks(settings, "serve")
    stop = _Stop()
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)} if in_main_thread else {}
    try:
        with ExitStack() as stack:
            embedded = settings.redis_url is None
            if embedded:
                try:
                    url = stack.enter_context(EmbeddedRedis(settings.data_dir))
                except EmbeddedRedisError as exc:
                    raise CliError(str(exc)) from None
                settings = _with_redis(url)
            if stop.requested:
                return EXIT_OK
            return asyncio.run(_serve(settings, host=args.host, port=args.port, worker=embedded, stop=stop))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _with_redis(url: str) -> Settings:
    """The settings again, with the private Redis as DEBTBOT_REDIS_URL for all in this process that reads them."""
    from bot.settings import get_settings  # noqa: PLC0415

    os.environ["DEBTBOT_REDIS_URL"] = url
    get_settings.cache_clear()
    return get_settings()


async def _serve(settings: Settings, *, host: str, port: int, worker: bool, stop: _Stop) -> int:
    import asyncio  # noqa: PLC0415

    import uvicorn  # noqa: PLC0415

    from bot.app import create_app  # noqa: PLC0415
    from bot.embedded import run_inprocess_worker  # noqa: PLC0415
    from bot.logging import get_logger  # noqa: PLC0415

    config = uvicorn.Config(
        create_app(settings), host=host, port=port, log_config=None, server_header=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    stop.server = server
    if stop.requested:
        server.should_exit = True
    worker_task = asyncio.create_task(run_inprocess_worker(settings), name="worker") if worker else None
    if worker_task is not None:
        worker_task.add_done_callback(lambda task: _worker_ended(task, server))
    try:
        await server.serve()
    finally:
        if worker_task is not None:
            worker_task.cancel()
            # A crash was logged when it happened (_worker_ended); here it only makes the exit status.
            with suppress(asyncio.CancelledError, Exception):
                await worker_task
    if not server.started:
        get_logger(__name__).error("serve_failed_to_start")
        return EXIT_FAILED
    crashed = worker_task is not None and not worker_task.cancelled() and worker_task.exception() is not None
    return EXIT_FAILED if crashed else EXIT_OK


def _worker_ended(task: asyncio.Task[None], server: uvicorn.Server) -> None:
    """A worker that crashed takes the server down with it: half a service must not look healthy."""
    from bot.logging import get_logger  # noqa: PLC0415

    if task.cancelled() or task.exception() is None:
        return
    get_logger(__name__).error("inprocess_worker_crashed", exc_info=task.exception())
    server.should_exit = True
