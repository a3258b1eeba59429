"""`debtbot migrate` and `debtbot serve` as a person runs them: real processes, the private Redis included."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.app.test_embedded import running

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 30.0
STOP_SECONDS = 20.0


def debtbot_env(data_dir: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("DEBTBOT_")}
    env["DEBTBOT_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(REPO)
    return env


def debtbot(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_ready(process: subprocess.Popen[bytes], url: str) -> httpx.Response:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"debtbot serve exited with {process.returncode} before it was ready")
        try:
            response = httpx.get(url, timeout=2)
        except httpx.HTTPError:
            time.sleep(0.1)
            continue
        if response.status_code == 200:
            return response
        time.sleep(0.1)
    pytest.fail(f"debtbot serve was not ready within {START_SECONDS:.0f} s")


def test_serve_refuses_a_database_that_was_not_migrated(tmp_path: Path) -> None:
    done = debtbot("serve", "--port", str(free_port()), cwd=tmp_path, env=debtbot_env(tmp_path / "data"))

    assert done.returncode == 2
    assert "database schema is out of date: run `debtbot migrate`" in done.stderr


def test_migrate_then_serve_with_a_private_redis_and_stop_on_sigterm(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = debtbot_env(data_dir)
    migrated = debtbot("migrate", cwd=tmp_path, env=env)
    again = debtbot("migrate", cwd=tmp_path, env=env)
    assert (migrated.returncode, again.returncode) == (0, 0), migrated.stderr + again.stderr
    assert "at the current schema" in migrated.stdout

    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        ready = wait_until_ready(process, f"http://127.0.0.1:{port}/readyz")
        setup = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(STOP_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    logged = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    events = [line["event"] for line in logged]
    [started] = [line for line in logged if line["event"] == "embedded_redis_started"]
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}
    assert started["url"] == f"unix://{(data_dir / 'redis' / 'redis.sock').resolve()}"
    assert "Register the GitHub App" in setup.text
    assert returncode == 0
    assert events.index("app_stopped") < events.index("embedded_redis_stopped")
    assert not running(started["pid"])
