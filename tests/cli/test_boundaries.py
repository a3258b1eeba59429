"""The command line stays light: no web framework, queue, database or GitHub client is imported by it."""

from __future__ import annotations

import json
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


def _review_in_a_new_process(tmp_path: Path) -> tuple[int, str, set[str]]:
    """`debtbot review --diff --format json` on a one-line change, in a fresh interpreter: its exit status, its
    output, and the modules it imported."""
    diff = tmp_path / "change.diff"
    diff.write_text("diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-x = 1\n+x = 2  # TODO: y\n")
    probe = (
        "import io, json, sys; from bot.__main__ import main; sys.stdout = io.StringIO(); "
        f"code = main(['review', '--diff', {str(diff)!r}, '--format', 'json']); out = sys.stdout.getvalue(); "
        "sys.stdout = sys.__stdout__; print(json.dumps([code, out, sorted(sys.modules)]))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    code, out, modules = json.loads(done.stdout)
    return code, out, set(modules)


def test_a_review_without_a_config_file_imports_neither_pydantic_nor_yaml(tmp_path: Path) -> None:
    # Importing pydantic takes longer than reviewing a typical pull request: only a config file needs it.
    code, out, modules = _review_in_a_new_process(tmp_path)
    assert (code, "CODE001" in out) == (0, True)
    assert {m.split(".")[0] for m in modules} & {"pydantic", "yaml"} == set()


def test_a_review_of_a_diff_alone_imports_nothing_it_does_not_run(tmp_path: Path) -> None:
    """Startup is most of a small review: `subprocess` (for git) and `uuid` (for baselines) wait for their commands."""
    code, _, modules = _review_in_a_new_process(tmp_path)
    assert code == 0
    assert modules & {"subprocess", "uuid", "bot.localgit"} == set()
