"""Many customers on the fake GitHub, one pull request each, every head a real git commit and its real diff.

Each customer is an installation of its own: GitHub paces writes per installation (so does the worker), and
reviews of different installations run side by side as they would in production.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.cli.gitrepo import GitRepo
from tests.e2e.conftest import WEBHOOKS, Delivery
from tests.fakegithub import FakeGitHub
from tests.worker.world import AUTHOR, BASE_FILES, DEBT_FILES

FIRST_INSTALLATION = 500
NUMBER = 1


@dataclass(frozen=True)
class Customer:
    installation_id: int
    repo: str
    repo_id: int
    branch: str
    head_sha: str
    base_sha: str

    @property
    def owner(self) -> str:
        return self.repo.split("/")[0]


def customers(fake: FakeGitHub, path: Path, count: int) -> list[Customer]:
    """`count` installations, each with `ORG/widgets` at the base files and pull request #1 adding debt."""
    git = GitRepo.create(path / "widgets")
    for name, content in BASE_FILES.items():
        git.write(name, content)
    base = git.commit("base")
    made = []
    for index in range(count):
        branch = f"change-{index}"
        git.checkout(base)
        git.branch(branch)
        changes: dict[str, str | bytes] = {**DEBT_FILES, "README.md": f"# widgets, customer {index}\n"}
        for name, content in changes.items():
            git.write(name, content)
        head = git.commit(f"debt of customer {index}")
        diff = git.git("diff", "--no-color", "--no-ext-diff", "--src-prefix=a/", "--dst-prefix=b/", f"{base}...{head}")
        installation_id = FIRST_INSTALLATION + index
        owner = f"customer-{index}"
        fake.add_installation(installation_id, owner)
        repository = fake.add_repository(f"{owner}/widgets", installation_id=installation_id)
        repository.add_commit(BASE_FILES, sha=base, branch="main")
        repository.add_commit({**BASE_FILES, **changes}, sha=head)
        fake.add_pull_request(
            repository.full_name,
            number=NUMBER,
            diff=diff,
            head_sha=head,
            base_sha=base,
            user=AUTHOR,
            head_ref=branch,
        )
        made.append(Customer(installation_id, repository.full_name, repository.id, branch, head, base))
    return made


def pull_request_delivery(customer: Customer, action: str) -> Delivery:
    """GitHub's `pull_request` example, moved onto the customer's pull request, with a new delivery id."""
    payload: dict[str, Any] = copy.deepcopy(json.loads((WEBHOOKS / "pull_request" / "opened.payload.json").read_text()))
    repository = payload["repository"]
    repository.update(id=customer.repo_id, name="widgets", full_name=customer.repo, default_branch="main", private=True)
    repository["owner"]["login"] = customer.owner
    pr = payload["pull_request"]
    pr.update(number=NUMBER, state="open", draft=False, merged=False, merged_at=None)
    pr["user"]["login"] = AUTHOR
    pr["head"].update(ref=customer.branch, sha=customer.head_sha, label=f"{customer.owner}:{customer.branch}")
    pr["head"]["repo"] = copy.deepcopy(repository)
    pr["base"].update(ref="main", sha=customer.base_sha, label=f"{customer.owner}:main")
    pr["base"]["repo"] = repository
    payload.update(action=action, number=NUMBER, installation={"id": customer.installation_id})
    return Delivery("pull_request", payload, str(uuid.uuid4()))
