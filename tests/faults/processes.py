"""`debtbot worker` in a subprocess, as an operator runs it: started, waited for, stopped or killed with SIGKILL."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import redis

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0


def service_env(settings: Settings) -> dict[str, str]:
    """This process's environment without its DEBTBOT_* variables, plus `settings` as DEBTBOT_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEBTBOT_")}
    values: dict[str, Any] = {
        "APP_ID": settings.app_id,
        "PRIVATE_KEY": settings.private_key(),
        "WEBHOOK_SECRET": None if settings.webhook_secret is None else settings.webhook_secret.get_secret_value(),
        "GITHUB_API_URL": settings.github_api_url,
        "GITHUB_URL": settings.github_url,
        "DATABASE_URL": settings.database_url.get_secret_value(),
        "REDIS_URL": None if settings.redis_url is None else settings.redis_url.get_secret_value(),
        "QUEUE_NAME": settings.queue_name,
        "DATA_DIR": str(settings.data_dir),
        "ENVIRONMENT": "production",
        "LOG_LEVEL": "INFO",
    }
    env.update({f"DEBTBOT_{name}": str(value) for name, value in values.items() if value is not None})
    # The child runs in the test's folder: it finds `tests` (not an installed package) through the path.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


#: `debtbot worker` itself (what the script runs), and the same worker with its waits shortened (`quick_worker`).
DEBTBOT_WORKER = ("-m", "bot", "worker")
QUICK_WORKER = ("-m", "tests.faults.quick_worker")


class WorkerProcess:
    """A worker in a subprocess, its JSON log in `workdir/<name>.log`."""

    def __init__(
        self, settings: Settings, workdir: Path, *, name: str = "worker", command: tuple[str, ...] = QUICK_WORKER
    ) -> None:
        self.settings = settings
        self.log_path = workdir / f"{name}.log"
        self._log: IO[bytes] = self.log_path.open("ab")
        # cwd is the test's own folder: no `.env` of the developer's is read.
        self.process = subprocess.Popen(
            [sys.executable, *command],
            env=service_env(settings),
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    async def ready(self) -> None:
        """Until the worker has polled its queue once (arq then writes `<queue>:health-check`)."""
        assert self.settings.redis_url is not None
        client = redis.Redis.from_url(self.settings.redis_url.get_secret_value(), socket_connect_timeout=1)
        key = f"{self.settings.queue_name}:health-check"
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        try:
            while time.monotonic() < deadline and self.alive:
                if client.exists(key):
                    return
                await asyncio.sleep(0.05)
        finally:
            client.close()
        raise RuntimeError(f"the worker did not start; its log ends:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed, the job in hand is left as it was."""
        if self.alive:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(STOP_TIMEOUT_SECONDS)
        self._log.close()

    def stop(self) -> int:
        """SIGTERM (arq finishes or cancels its jobs and shuts down), SIGKILL if it does not exit in time."""
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode

    def log_tail(self, lines: int = 80) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def events(self, name: str) -> list[dict[str, Any]]:
        """The worker's JSON log lines whose event is `name`."""
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("event") == name:
                found.append(entry)
        return found
