"""Colour on a real terminal (a pseudo-terminal), none through a pipe or with NO_COLOR; and `debtbot rules`."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from checks.registry import catalog
from tests.cli.conftest import RunCli
from tests.cli.gitrepo import GitRepo

ESC = "\x1b["


def run_on_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run `python -m bot ARGS` with its stdout on a pseudo-terminal; return what it printed."""
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closes when the program ends (EIO on Linux)
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait()
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def review_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    return {**env, "TERM": "xterm", **extra}


def test_text_is_coloured_on_a_terminal(feature_repo: GitRepo) -> None:
    out = run_on_terminal(["review", "--repo", str(feature_repo.path)], review_env())
    assert ESC in out
    assert "src/train.py" in out


def test_no_color_turns_colour_off_on_a_terminal(feature_repo: GitRepo) -> None:
    out = run_on_terminal(["review", "--repo", str(feature_repo.path)], review_env(NO_COLOR="1"))
    assert ESC not in out
    assert "src/train.py" in out


def test_text_through_a_pipe_has_no_colour(feature_repo: GitRepo, run_cli: RunCli) -> None:
    run = run_cli("review", "--repo", feature_repo.path)
    assert ESC not in run.out
    assert "src/train.py" in run.out


def test_rules_lists_the_catalog_in_each_format(run_cli: RunCli) -> None:
    rules = catalog()
    text = run_cli("rules")
    assert text.code == 0
    for r in rules:
        assert any(line.startswith(f"{r.code} ") and r.slug in line for line in text.out.splitlines()), r.code
    assert text.out.splitlines()[-1] == f"{len(rules)} rule{'' if len(rules) == 1 else 's'}"

    listed = json.loads(run_cli("rules", "--format", "json").out)
    assert [entry["code"] for entry in listed] == [r.code for r in rules]
    assert set(listed[0]) >= {"code", "slug", "category", "severity", "effort_minutes", "title", "docs"}

    markdown = run_cli("rules", "--format", "markdown").out
    assert markdown.startswith("# debtbot rules\n")
    for r in rules:
        assert f"### {r.code}: {r.slug}" in markdown
