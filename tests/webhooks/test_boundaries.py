"""The webhook path stays fast and offline: it never loads the GitHub gateway, the worker's tasks or the engine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

#: What the route must not reach: GitHub calls and reviews belong to the worker.
FORBIDDEN = ("bot.github", "bot.tasks", "bot.worker", "bot.publish", "checks", "githubkit")


def test_the_webhook_path_imports_no_gateway_task_or_engine() -> None:
    probe = "import sys, bot.webhooks; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    loaded = set(done.stdout.split())

    assert {"bot.webhooks", "bot.routing", "bot.jobs", "bot.payloads", "bot.signature", "fastapi"} <= loaded
    assert sorted(name for name in loaded if name.startswith(FORBIDDEN)) == []
