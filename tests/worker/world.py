"""A customer's repository on the fake GitHub whose pull requests are real git commits and real `git diff`s.

The base branch and every head are committed in a real git repository, and the same snapshots are given to
the fake GitHub under git's own commit ids: the diff GitHub serves, the tree of the head and the texts of
its files all agree, as they do on GitHub.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.jobs import DeliveryId, HeadSha, InstallationId, RepoId, ReviewRequest
from tests.cli.gitrepo import GitRepo
from tests.fakegithub import FakeGitHub

OWN = InstallationId(100)
OWNER = "octo-org"
REPO = "octo-org/widgets"
FORK_OWNER = "mallory"
FORK = "mallory/widgets"
AUTHOR = "alice"

Files = Mapping[str, str | bytes]

BASE_FILES: dict[str, str | bytes] = {
    "README.md": "# widgets\n",
    "requirements.txt": "numpy==1.26.4\npandas==2.2.2\n",
    "train.py": "import torch\n\n\ndef main():\n    pass\n",
}
#: A change that adds debt: an unpinned requirement (DEP001, line 3), a TODO (CODE001), remote code trusted
#: (MODEL008) and a pickled model committed (MODEL001, a file-level finding). Over the default budget of 60
#: minutes of new debt, so the check fails. Every import is declared (no DEP009).
DEBT_FILES: dict[str, str | bytes] = {
    "requirements.txt": "numpy==1.26.4\npandas==2.2.2\ntorch\ntransformers==4.44.2\n",
    "train.py": (
        "import torch\n"
        "from transformers import AutoModel\n"
        "\n"
        "\n"
        "def main():\n"
        "    # TODO: fix this hack before the release\n"
        '    model = AutoModel.from_pretrained("acme/encoder", revision="3f2a9c1", trust_remote_code=True)\n'
        "    return model\n"
    ),
    "models/model.pkl": b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x05torch\x94." + bytes(range(256)),
}
DEBT_RULES = {"CODE001", "DEP001", "MODEL001", "MODEL008"}
#: The findings of DEBT_FILES that sit on a line of the diff (MODEL001 is about the whole file).
DEBT_ANCHORED = {"CODE001", "DEP001", "MODEL008"}


@dataclass
class Pull:
    number: int
    branch: str
    head_sha: str
    base_sha: str
    files: dict[str, str | bytes]
    head_repo: str = REPO


@dataclass
class World:
    """The App installed on `octo-org`, with the repository `octo-org/widgets` at BASE_FILES on `main`."""

    fake: FakeGitHub
    git: GitRepo
    repo_id: RepoId
    base_sha: str
    pulls: dict[int, Pull] = field(default_factory=dict)

    @classmethod
    def create(cls, fake: FakeGitHub, path: Path, *, base_files: Files | None = None) -> World:
        files = dict(BASE_FILES if base_files is None else base_files)
        fake.add_installation(OWN, OWNER)
        repository = fake.add_repository(REPO, installation_id=OWN)
        git = GitRepo.create(path / "widgets")
        for name, content in files.items():
            git.write(name, content)
        base_sha = git.commit("base")
        repository.add_commit(files, sha=base_sha, branch="main")
        return cls(fake=fake, git=git, repo_id=RepoId(repository.id), base_sha=base_sha)

    def base_files(self) -> dict[str, str | bytes]:
        return self._files_at(self.base_sha)

    def _files_at(self, sha: str) -> dict[str, str | bytes]:
        return dict(self.fake.repository(REPO).commits[sha])

    def _commit(self, branch: str, start: str, changes: Files, removed: tuple[str, ...]) -> str:
        self.git.checkout(start)
        if branch not in self.git.git("branch", "--list", branch):
            self.git.branch(branch)
        else:
            self.git.checkout(branch)
        for name, content in changes.items():
            self.git.write(name, content)
        for name in removed:
            self.git.remove(name)
        head = self.git.commit(f"change on {branch}")
        self.git.checkout("main")
        return head

    def diff(self, base: str, head: str) -> str:
        """What GitHub serves for the pull request: the three-dot diff, binary files as "Binary files differ"."""
        return self.git.git(
            "diff", "--no-color", "--no-ext-diff", "--src-prefix=a/", "--dst-prefix=b/", f"{base}...{head}"
        )

    def open_pull(
        self,
        number: int,
        changes: Files,
        *,
        removed: tuple[str, ...] = (),
        fork: bool = False,
        user: str = AUTHOR,
    ) -> Pull:
        """A pull request from branch `pr-<number>` (in the fork `mallory/widgets` when `fork`) changing `changes`."""
        branch = f"pr-{number}"
        head = self._commit(branch, "main", changes, removed)
        files = {**self.base_files(), **changes}
        for name in removed:
            files.pop(name, None)
        # GitHub serves a pull request's head commit from the base repository, forks included.
        self.fake.repository(REPO).add_commit(files, sha=head)
        head_repo = REPO
        if fork:
            if FORK.lower() not in self.fake.world.repositories:
                self.fake.add_installation(300, FORK_OWNER)
                self.fake.add_repository(FORK, installation_id=300)
            self.fake.repository(FORK).add_commit(files, sha=head, branch=branch)
            head_repo = FORK
        self.fake.add_pull_request(
            REPO,
            number=number,
            diff=self.diff(self.base_sha, head),
            head_sha=head,
            base_sha=self.base_sha,
            user=user,
            head_ref=branch,
            head_repo=head_repo,
        )
        pull = Pull(number, branch, head, self.base_sha, files, head_repo)
        self.pulls[number] = pull
        return pull

    def push(self, number: int, changes: Files, *, removed: tuple[str, ...] = ()) -> Pull:
        """A new commit on the pull request's branch (what a `synchronize` announces)."""
        pull = self.pulls[number]
        head = self._commit(pull.branch, pull.branch, changes, removed)
        files = {**pull.files, **changes}
        for name in removed:
            files.pop(name, None)
        self.fake.repository(REPO).add_commit(files, sha=head)
        self.fake.push(REPO, number, diff=self.diff(self.base_sha, head), head_sha=head)
        pull.head_sha, pull.files = head, files
        return pull

    def review_request(self, number: int, *, delivery: str = "delivery-1", rerun: bool = False) -> ReviewRequest:
        pull = self.pulls[number]
        return ReviewRequest(
            installation_id=OWN,
            delivery_id=DeliveryId(delivery),
            repo_id=self.repo_id,
            repo_full_name=REPO,
            pr_number=number,
            head_sha=HeadSha(pull.head_sha),
            base_ref="main",
            rerun=rerun,
            trigger="pull_request.opened",
        )
