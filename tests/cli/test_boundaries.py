"""The command line stays light: no web framework, queue, database or GitHub client is imported by it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SERVICE_PACKAGES = {"fastapi", "starlette", "uvicorn", "arq", "redis", "sqlalchemy", "alembic", "githubkit", "httpx"}


def test_the_command_line_imports_no_service_package() -> None:
    probe = (
        "import sys, bot.__main__, bot.cli, bot.localgit, checks.report, checks.docs; "
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    loaded = set(done.stdout.split())
    assert "bot" in loaded
    assert not loaded & SERVICE_PACKAGES
