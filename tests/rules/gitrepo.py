"""A real git repository for rule tests that need what YAML cases cannot give: context far from a change, a tree."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout


def commit(repo: Path, files: Mapping[str, str], message: str) -> None:
    """Write `files` (path -> text) and commit them."""
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def init(repo: Path, files: Mapping[str, str]) -> Path:
    """A new repository on `main` whose first commit holds `files`."""
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "dev@example.com")
    git(repo, "config", "user.name", "Dev")
    commit(repo, files, "base")
    return repo


@dataclass(frozen=True)
class Change:
    diff: str
    tree: frozenset[str]

    def texts(self, repo: Path, paths: Iterable[str]) -> dict[str, str]:
        return {path: git(repo, "show", f"HEAD:{path}") for path in paths}


def change(repo: Path, edits: Mapping[str, str]) -> Change:
    """Commit `edits` and return the commit's diff against its parent, and the tree at it."""
    commit(repo, edits, "change")
    return Change(
        diff=git(repo, "diff", "HEAD~1", "HEAD"),
        tree=frozenset(git(repo, "ls-tree", "-r", "--name-only", "HEAD").splitlines()),
    )
