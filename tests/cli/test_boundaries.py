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


def test_a_review_without_a_config_file_imports_neither_pydantic_nor_yaml(tmp_path: Path) -> None:
    # Importing pydantic takes longer than reviewing a typical pull request: only a config file needs it.
    diff = tmp_path / "change.diff"
    diff.write_text("diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-x = 1\n+x = 2  # TODO: y\n")
    probe = (
        "import io, sys; from bot.__main__ import main; sys.stdout = io.StringIO(); "
        f"code = main(['review', '--diff', {str(diff)!r}, '--format', 'json']); out = sys.stdout.getvalue(); "
        "sys.stdout = sys.__stdout__; "
        "print(code, 'CODE001' in out, sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'yaml'}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert done.stdout.strip().split(maxsplit=2) == ["0", "True", "[]"]


def test_a_review_of_a_diff_alone_imports_nothing_it_does_not_run(tmp_path: Path) -> None:
    """Startup is most of a small review: `subprocess` (for git) and `uuid` (for baselines) wait for their commands."""
    diff = tmp_path / "change.diff"
    diff.write_text("diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-x = 1\n+x = 2  # TODO: y\n")
    probe = (
        "import io, sys; from bot.__main__ import main; sys.stdout = io.StringIO(); "
        f"code = main(['review', '--diff', {str(diff)!r}]); sys.stdout = sys.__stdout__; "
        "print(code, sorted(set(sys.modules) & {'subprocess', 'uuid', 'bot.localgit'}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert done.stdout.strip().split(maxsplit=1) == ["0", "[]"]
