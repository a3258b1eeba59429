"""Two customers of the App on the fake GitHub, and a `GitHubKitApp` that talks to it."""

from __future__ import annotations

from typing import Any

from bot.github import GitHubKitApp, ShortRetry
from bot.jobs import InstallationId
from tests.fakegithub import FakeGitHub, shared_app_key
from tests.fakegithub.keys import FAKE_APP_ID
from tests.fakegithub.samples import DIFF

OWN = InstallationId(100)  # the installation a test acts as
OTHER = InstallationId(200)  # another customer's installation
REPO = "octo-org/widgets"
SECRETS = "other-org/secrets"  # OTHER's repository
HEAD = "a" * 40
BASE = "b" * 40

FILES: dict[str, str | bytes] = {
    "train.py": "import torch\n\ndef main():\n",
    ".github/debtbot.yml": "rules: {}\n",
    "models/weights.bin": b"\x00\xff" * 1024,
    "docs/read me #1.md": "# Notes\n",
}


def populate(fake: FakeGitHub) -> None:
    fake.add_installation(OWN, "octo-org")
    fake.add_installation(OTHER, "other-org")
    fake.add_repository(REPO, installation_id=OWN, files=FILES)
    fake.add_repository(SECRETS, installation_id=OTHER, files={"secret.txt": "hunter2\n"})
    fake.add_pull_request(REPO, number=7, diff=DIFF, head_sha=HEAD, base_sha=BASE, user="alice")
    fake.add_pull_request(SECRETS, number=3, diff=DIFF, head_sha="c" * 40)


def make_app(fake: FakeGitHub, **options: Any) -> GitHubKitApp:
    """An App of its own (its own token cache and pool), with no pause between writes unless asked."""
    settings: dict[str, Any] = {
        "app_id": FAKE_APP_ID,
        "private_key": shared_app_key().private_pem,
        "base_url": fake.url,
        "timeout": 10.0,
        "write_interval": 0.0,
        "retry": ShortRetry(server_error_wait=0.01),
    }
    return GitHubKitApp(**{**settings, **options})


def status_of(fake: FakeGitHub, path_end: str) -> list[int]:
    """The statuses GitHub answered to requests whose path ends with `path_end`, in order."""
    return [r.status for r in fake.requests if r.path.endswith(path_end)]
