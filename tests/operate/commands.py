"""`debtbot` as a deployment runs it: a child process whose settings are DEBTBOT_* variables alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fakegithub import FakeGitHub, shared_app_key
from tests.fakegithub.keys import FAKE_APP_ID
from tests.worker.conftest import WEBHOOK_SECRET

REPO = Path(__file__).resolve().parents[2]
COMMAND_SECONDS = 120


def debtbot_env(
    fake: FakeGitHub, *, database_url: str, redis_url: str | None, queue_name: str, **variables: str
) -> dict[str, str]:
    """The environment of a configured App talking to `fake`; `variables` add or replace DEBTBOT_* ones."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("DEBTBOT_")}
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "DEBTBOT_APP_ID": str(FAKE_APP_ID),
            "DEBTBOT_PRIVATE_KEY": shared_app_key().private_pem,
            "DEBTBOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "DEBTBOT_GITHUB_API_URL": fake.url,
            "DEBTBOT_DATABASE_URL": database_url,
            "DEBTBOT_QUEUE_NAME": queue_name,
            **variables,
        }
    )
    if redis_url is not None:
        env["DEBTBOT_REDIS_URL"] = redis_url
    return env


def debtbot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `debtbot ARGS` to its end (from `cwd`, so that no .env of the working tree is read)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        check=False,
    )
