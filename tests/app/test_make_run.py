"""`make run`, the README's first command: the whole App on its defaults, from a data directory with nothing in it."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx

from tests.app.test_serve import REPO, STOP_SECONDS, free_port, wait_until_ready

VENV = REPO / ".venv"
#: Left out of the child's environment: a `make` running these tests must not hand its jobserver to this one.
MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEFILES")


def children(pid: int) -> list[int]:
    """Every process below `pid`, read from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, pending = [], [pid]
    while pending:
        below = parents.get(pending.pop(), [])
        found += below
        pending += below
    return found


def serving(pid: int) -> int:
    """The `debtbot serve` process `make` started."""
    for child in children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in command and any(part.endswith(b"debtbot") for part in command):
            return child
    raise AssertionError(f"no `debtbot serve` below make ({pid})")


def test_make_run_migrates_then_serves_the_app_with_a_private_redis_until_sigterm(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DEBTBOT_") and name not in MAKE_VARIABLES
    }
    env["DEBTBOT_DATA_DIR"] = str(data_dir)  # and no DEBTBOT_REDIS_URL: the private redis-server
    port = free_port()
    log_path = tmp_path / "run.log"
    # Run from an empty folder (no .env of the working tree read); the installed virtualenv counts as up to date
    # (`-o`), so the test never reinstalls it.
    command = [
        "make",
        "--no-print-directory",
        "-f",
        str(REPO / "Makefile"),
        "-o",
        str(VENV / ".installed"),
        f"VENV={VENV}",
        f"RUN_ARGS=--port {port}",
        "run",
    ]
    with log_path.open("wb") as log_file:
        make = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        health = wait_until_ready(make, f"http://127.0.0.1:{port}/healthz")
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        os.kill(serving(make.pid), signal.SIGTERM)
        returncode = make.wait(STOP_SECONDS)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)  # its own session: make, the server and its redis-server
            make.wait()

    logged = log_path.read_text()
    assert health.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}
    assert returncode == 0, logged
    assert "at the current schema" in logged  # migrated before serving
    assert (data_dir / "debtbot.db").is_file()
    assert '"event": "embedded_redis_stopped"' in logged
