"""The pre-commit hook of .pre-commit-hooks.yaml, run by the pre-commit tool as users run it: `pre-commit
try-repo` on the project, and `git commit` through an installed hook, in real git repositories.

pre-commit builds the hook's virtualenv from the project (`pip install .`) once for the module.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import git, git_environment, new_repository, write
from tests.deploy.manifests import REPO
from tests.deploy.tools import require

HOOK = "debtbot"
#: MODEL008 trust-remote-code, high severity: the default policy fails.
DEBT = {
    "train.py": 'from transformers import AutoModel\n\nm = AutoModel.from_pretrained("org/m", trust_remote_code=True)\n'
}
CLEAN = {"train.py": "def total(rows: list[int]) -> int:\n    return sum(rows)\n"}
#: Building the hook's environment installs debtbot and its dependencies.
INSTALL_SECONDS = 900


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's cache of repositories and environments, shared by this module's tests."""
    return tmp_path_factory.mktemp("pre-commit-home")


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    tool = require("pre-commit", install="pip install pre-commit, in the dev extras")
    return subprocess.run(
        [str(tool), *args],
        cwd=cwd,
        env=git_environment(PRE_COMMIT_HOME=str(home)),
        capture_output=True,
        text=True,
        timeout=INSTALL_SECONDS,
        check=False,
    )


def state(repo: Path) -> tuple[str, str, str]:
    """What the hook must leave alone: the work tree and index, the refs, the stash."""
    return (
        git(repo, "status", "--porcelain", "--untracked-files=all"),
        git(repo, "for-each-ref"),
        git(repo, "stash", "list"),
    )


def test_the_hook_manifest_is_valid(tmp_path: Path, pre_commit_home: Path) -> None:
    valid = pre_commit("validate-manifest", str(REPO / ".pre-commit-hooks.yaml"), cwd=tmp_path, home=pre_commit_home)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    broken = tmp_path / "hooks.yaml"
    broken.write_text("- id: debtbot\n  name: debtbot\n  entry: debtbot review\n  language: no-such-language\n")
    invalid = pre_commit("validate-manifest", str(broken), cwd=tmp_path, home=pre_commit_home)
    assert invalid.returncode != 0


def test_try_repo_on_the_project_fails_a_staged_change_that_adds_debt(
    tmp_path: Path, project_snapshot: Path, pre_commit_home: Path
) -> None:
    # try-repo builds the hook's environment in a store of its own: the other tests share one through a config.
    repo = new_repository(tmp_path / "work", {"README.md": "# work\n"})
    head = git(repo, "rev-parse", "HEAD")
    write(repo, DEBT)
    git(repo, "add", "train.py")
    before = state(repo)

    failed = pre_commit("try-repo", str(project_snapshot), HOOK, cwd=repo, home=pre_commit_home)

    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "MODEL008 trust-remote-code" in failed.stdout
    assert "fails the policy" in failed.stdout
    assert state(repo) == before
    assert git(repo, "rev-parse", "HEAD") == head


def configured_repository(path: Path, snapshot: Path, files: dict[str, str] | None = None) -> Path:
    """A repository whose .pre-commit-config.yaml uses the hook from the project at its snapshot's commit."""
    rev = git(snapshot, "rev-parse", "HEAD")
    config = f"repos:\n  - repo: {snapshot}\n    rev: {rev}\n    hooks:\n      - id: {HOOK}\n"
    if files is None:  # no commit yet: the config is staged with the first change
        repo = new_repository(path)
        write(repo, {".pre-commit-config.yaml": config})
        git(repo, "add", ".pre-commit-config.yaml")
        return repo
    return new_repository(path, {".pre-commit-config.yaml": config, **files})


def test_a_staged_change_that_adds_debt_fails_and_a_clean_one_passes(
    tmp_path: Path, project_snapshot: Path, pre_commit_home: Path
) -> None:
    repo = configured_repository(tmp_path / "work", project_snapshot, {"README.md": "# work\n"})
    write(repo, DEBT)
    git(repo, "add", "train.py")
    before = state(repo)

    failed = pre_commit("run", cwd=repo, home=pre_commit_home)

    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "MODEL008 trust-remote-code" in failed.stdout
    assert state(repo) == before

    write(repo, CLEAN)
    git(repo, "add", "train.py")
    passed = pre_commit("run", cwd=repo, home=pre_commit_home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


def test_the_first_commit_is_reviewed_too(tmp_path: Path, project_snapshot: Path, pre_commit_home: Path) -> None:
    repo = configured_repository(tmp_path / "work", project_snapshot)
    write(repo, DEBT)
    git(repo, "add", "train.py")

    failed = pre_commit("run", cwd=repo, home=pre_commit_home)

    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "MODEL008" in failed.stdout


@pytest.mark.parametrize(("committed", "expected"), [(True, 0), (False, 1)], ids=["at HEAD", "only staged"])
def test_the_repository_config_is_read_at_head_not_from_the_staged_change(
    tmp_path: Path, project_snapshot: Path, pre_commit_home: Path, committed: bool, expected: int
) -> None:
    config = {".github/debtbot.yml": "disable: [trust-remote-code]\n"}
    files = {"README.md": "# work\n", **(config if committed else {})}
    repo = configured_repository(tmp_path / "work", project_snapshot, files)
    write(repo, {**DEBT, **config})
    git(repo, "add", "--all")

    done = pre_commit("run", cwd=repo, home=pre_commit_home)

    assert done.returncode == expected, done.stdout + done.stderr


def test_git_commit_runs_the_installed_hook(tmp_path: Path, project_snapshot: Path, pre_commit_home: Path) -> None:
    repo = configured_repository(tmp_path / "work", project_snapshot, {"README.md": "# work\n"})
    installed = pre_commit("install", cwd=repo, home=pre_commit_home)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    head = git(repo, "rev-parse", "HEAD")
    env = git_environment(PRE_COMMIT_HOME=str(pre_commit_home))

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "commit", "--message", message],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=INSTALL_SECONDS,
            check=False,
        )

    write(repo, DEBT)
    git(repo, "add", "train.py")
    refused = commit("add training")
    assert refused.returncode != 0
    assert "MODEL008" in refused.stdout + refused.stderr
    assert git(repo, "rev-parse", "HEAD") == head

    write(repo, CLEAN)
    git(repo, "add", "train.py")
    accepted = commit("add a sum")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert git(repo, "rev-parse", "HEAD~1") == head
