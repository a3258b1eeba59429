"""Run a command in a child process and measure its wall time and peak resident memory."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Usage:
    """One child process: wall seconds from spawn to exit, and its own peak RSS (not its siblings')."""

    wall_seconds: float
    peak_rss_mb: float
    exit_code: int
    stdout: str
    stderr: str


def run_measured(argv: Sequence[str], *, cwd: Path | None = None) -> Usage:
    """Spawn `argv` and reap it with `os.wait4`, which reports that one child's rusage.

    `getrusage(RUSAGE_CHILDREN)` would report the largest child so far, so two tools measured one
    after the other could not be told apart.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err)
        _, status, rusage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    # Linux reports ru_maxrss in kilobytes.
    return Usage(wall, rusage.ru_maxrss / 1024, proc.returncode, stdout, stderr)
