"""What the deployment tests run: external tools, found beside this interpreter (the dev extras) or on PATH, and
long-running commands as a container runtime runs and stops them.

A missing tool skips the test with the reason, except under CI=true, where it fails: CI must never pass by
skipping a check.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import pytest

from tests.conftest import service_unavailable

#: The virtualenv's scripts (debtbot, hadolint, pre-commit), first on PATH for the commands the tests run.
VENV_BIN = Path(sys.executable).parent


def search_path() -> str:
    return os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")])


def require(tool: str, *, install: str) -> Path:
    """The tool's path; skips (fails under CI=true) when it is not installed."""
    found = shutil.which(tool, path=search_path())
    if found is None:
        service_unavailable(f"{tool} is not installed ({install})")
    return Path(found)


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without any DEBTBOT_* setting, the virtualenv first on PATH, plus `extra`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("DEBTBOT_")}
    env["PATH"] = search_path()
    env.update(extra)
    return env


#: How long a process may take to stop after SIGTERM before it is killed.
STOP_SECONDS = 30.0


class Process:
    """A long-running command, its output in a file, stopped with SIGTERM as a container runtime stops it."""

    def __init__(self, argv: list[str], env: Mapping[str, str], cwd: Path, log: Path) -> None:
        self.log = log
        self._file: IO[bytes] = log.open("wb")
        self.popen = subprocess.Popen(argv, env=dict(env), cwd=cwd, stdout=self._file, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def assert_running(self) -> None:
        if self.popen.poll() is not None:
            pytest.fail(f"{self.popen.args!r} exited with {self.popen.returncode}:\n{self.output()[-3000:]}")

    def stop(self) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._file.close()
        return self.popen.returncode
