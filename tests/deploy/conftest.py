"""The project as others fetch it (a git repository of its sources), and small real git repositories to review."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.deploy.manifests import REPO
from tests.deploy.tools import clean_environment

#: Who commits in the test repositories (and nothing of the user's git config is read).
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Ana Test",
    "GIT_AUTHOR_EMAIL": "ana@example.com",
    "GIT_COMMITTER_NAME": "Ana Test",
    "GIT_COMMITTER_EMAIL": "ana@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git_environment(**extra: str) -> dict[str, str]:
    return clean_environment(**GIT_IDENTITY, **extra)


def git(repo: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        env=dict(env) if env is not None else git_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def write(repo: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def new_repository(path: Path, files: Mapping[str, str] | None = None) -> Path:
    """A repository on branch main, with one commit of `files` when given."""
    path.mkdir(parents=True)
    git(path, "init", "--quiet", "--initial-branch=main")
    if files:
        write(path, files)
        git(path, "add", "--all")
        git(path, "commit", "--quiet", "--message", "start")
    return path


@pytest.fixture(scope="session")
def project_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree (tracked files and new ones git does not ignore) committed to a repository of its own.

    What a user's `rev:` or an action's checkout gets, whatever is committed yet; builds happen in the copy,
    never in the working tree.
    """
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    snapshot = new_repository(tmp_path_factory.mktemp("snapshot") / "debtbot")
    for name in sorted(set(filter(None, listed.split("\0")))):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is not part of it
            target = snapshot / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git(snapshot, "add", "--all")
    git(snapshot, "commit", "--quiet", "--message", "snapshot of the working tree")
    return snapshot
