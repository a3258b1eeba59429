"""GitHub's example deliveries (tests/fixtures/github/webhooks), made into signed requests the way GitHub sends them."""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.signature import sign

WEBHOOKS = Path(__file__).parents[1] / "fixtures" / "github" / "webhooks"
SECRET = "It's a Secret to Everybody"
#: The app of octokit's examples (Codertocat's): its check_suite examples are "ours", the others' are not.
APP_ID = 29310
#: Given to examples captured from repository webhooks: an app's deliveries always name the installation.
ADDED_INSTALLATION = {"id": 4242, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg=="}


def example_names() -> list[str]:
    """`event/file.json` of every example delivery."""
    return sorted(
        path.relative_to(WEBHOOKS).as_posix()
        for path in WEBHOOKS.glob("*/*.json")
        if not path.parent.name.startswith("_")
    )


def load(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((WEBHOOKS / name).read_bytes())
    return payload


@dataclass
class Delivery:
    event: str
    body: bytes
    delivery_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @classmethod
    def of(cls, event: str, payload: dict[str, Any]) -> Delivery:
        return cls(event, json.dumps(payload).encode("utf-8"))

    def headers(self, secret: str = SECRET) -> dict[str, str]:
        return {
            "X-GitHub-Event": self.event,
            "X-GitHub-Delivery": self.delivery_id,
            "X-Hub-Signature-256": sign(secret, self.body),
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/0000000",
        }


def example(name: str) -> Delivery:
    """The example as GitHub would send it to an app: its exact bytes, or with `installation` added if it lacks one.

    Not to a ping: it concerns the app's webhook, not an installation (GitHub's ping schema forbids the key).
    """
    raw = (WEBHOOKS / name).read_bytes()
    payload = json.loads(raw)
    event = name.split("/", maxsplit=1)[0]
    if "installation" in payload or event == "ping":
        return Delivery(event, raw)
    return Delivery.of(event, {**payload, "installation": ADDED_INSTALLATION})


def with_installation(name: str) -> dict[str, Any]:
    payload = copy.deepcopy(load(name))
    payload.setdefault("installation", dict(ADDED_INSTALLATION))
    return payload


def pr_comment(body: str, *, user_type: str = "User") -> dict[str, Any]:
    """GitHub's issue_comment.created example moved onto pull request #1 (the example's issue is a plain issue)."""
    payload = with_installation("issue_comment/created.payload.json")
    issue = payload["issue"]
    repo = payload["repository"]["full_name"]
    issue["pull_request"] = {
        "url": f"https://api.github.com/repos/{repo}/pulls/{issue['number']}",
        "html_url": f"https://github.com/{repo}/pull/{issue['number']}",
        "diff_url": f"https://github.com/{repo}/pull/{issue['number']}.diff",
        "patch_url": f"https://github.com/{repo}/pull/{issue['number']}.patch",
        "merged_at": None,
    }
    payload["comment"]["body"] = body
    payload["comment"]["user"]["type"] = user_type
    return payload


def our_check_run(pull_requests: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """GitHub's check_run.rerequested example, as if the check run were ours."""
    payload = with_installation("check_run/rerequested.payload.json")
    payload["check_run"]["app"]["id"] = APP_ID
    payload["check_run"]["check_suite"]["app"]["id"] = APP_ID
    if pull_requests is not None:
        payload["check_run"]["pull_requests"] = pull_requests
    return payload


def check_pull_request(number: int, *, repo_id: int, head_sha: str, base_ref: str = "master") -> dict[str, Any]:
    """An entry of a check event's `pull_requests`, shaped like GitHub's."""
    repo = {"id": repo_id, "url": f"https://api.github.com/repositories/{repo_id}", "name": "hello-world"}
    return {
        "url": f"https://api.github.com/repositories/{repo_id}/pulls/{number}",
        "id": 1000 + number,
        "number": number,
        "head": {"ref": "feature", "sha": head_sha, "repo": repo},
        "base": {"ref": base_ref, "sha": "f" * 40, "repo": repo},
    }


def base_changed() -> dict[str, Any]:
    """pull_request.edited after the base branch was changed from `develop` (to the example's `master`)."""
    payload = with_installation("pull_request/opened.payload.json")
    payload["action"] = "edited"
    payload["changes"] = {"base": {"ref": {"from": "develop"}, "sha": {"from": "a" * 40}}}
    return payload


def default_branch_push() -> dict[str, Any]:
    """GitHub's push example onto an existing default branch (the example itself created the branch)."""
    payload = with_installation("push/with-no-username-committer.payload.json")
    payload["before"] = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
    payload["created"] = False
    return payload
