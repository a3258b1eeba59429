"""A release-span diff built from PyPI alone: two sdists of one project, committed in a scratch git repo."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(__file__).parent / ".data"
PROJECT = "diffusers"
OLD_VERSION = "0.10.0"
NEW_VERSION = "0.35.0"
_GIT = ("git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "commit.gpgsign=false")


@dataclass(frozen=True)
class ReleaseDiff:
    """The diff between two releases, and the repository whose head is the newer tree."""

    diff: Path
    repo: Path

    def changed_files(self) -> list[str]:
        """Paths the diff adds or modifies (they exist in the newer tree)."""
        out = _git(self.repo, "diff", "--name-only", "--diff-filter=d", "HEAD~1", "HEAD")
        return [line for line in out.splitlines() if line]


def release_diff(
    project: str = PROJECT, old: str = OLD_VERSION, new: str = NEW_VERSION, cache: Path = CACHE
) -> ReleaseDiff:
    """Download both sdists (once), commit old then new in a git repo (once), and write `git diff HEAD~1 HEAD`."""
    name = f"{project}-{old}..{new}"
    repo = cache / name
    diff = cache / f"{name}.diff"
    if not (repo / ".git").is_dir():
        _build_repo(repo, _sdist(project, old, cache), _sdist(project, new, cache))
    if not diff.is_file():
        diff.write_bytes(_git_bytes(repo, "diff", "--no-color", "--no-ext-diff", "HEAD~1", "HEAD"))
    return ReleaseDiff(diff=diff, repo=repo)


def _sdist(project: str, version: str, cache: Path) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob(f"{project}-{version}.tar.gz"))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
             f"{project}=={version}", "--dest", str(cache)],
            check=True,
        )  # fmt: skip
        found = sorted(cache.glob(f"{project}-{version}.tar.gz"))
    if not found:
        raise FileNotFoundError(f"pip did not leave {project}-{version}.tar.gz in {cache}")
    return found[0]


def _build_repo(repo: Path, old: Path, new: Path) -> None:
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    _git(repo, "init", "--quiet")
    for sdist in (old, new):
        for child in repo.iterdir():
            if child.name == ".git":
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        _unpack_flat(sdist, repo)
        # --force: an sdist's own .gitignore must not hide files from the diff.
        _git(repo, "add", "--all", "--force", ".")
        _git(repo, "commit", "--quiet", "--no-verify", "-m", sdist.name)


def _unpack_flat(sdist: Path, into: Path) -> None:
    """Extract an sdist without its top folder (`diffusers-0.10.0/`), so both trees share paths."""
    with tarfile.open(sdist, "r:gz") as tar:
        members = []
        for member in tar.getmembers():
            _, _, rest = member.name.partition("/")
            if not rest:
                continue
            member.name = rest
            members.append(member)
        tar.extractall(into, members=members, filter="data")


def _git(repo: Path, *args: str) -> str:
    return _git_bytes(repo, *args).decode("utf-8", "replace")


def _git_bytes(repo: Path, *args: str) -> bytes:
    return subprocess.run([*_GIT, *args], cwd=repo, check=True, capture_output=True).stdout
