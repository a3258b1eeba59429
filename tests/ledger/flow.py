"""The ledger's events end to end: the default branch as real git commits, and GitHub's example deliveries of
merges, pushes and comments moved onto the test's repository.

`Branch` commits on `main` of the world's real git repository and gives each commit to the fake GitHub with its
parents, so GitHub's comparison of two commits (a push's `before...after`) is computed from real history.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import subprocess
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.db.engine import make_engine, session_factory
from bot.db.models import AcceptedDebtRow, LedgerEvent, LedgerItem, ReviewRun
from bot.settings import Settings
from tests.cli.gitrepo import GIT_ENV
from tests.e2e.conftest import WEBHOOKS, Delivery, pull_request_delivery
from tests.worker.world import OWN, REPO, World

_comment_ids = itertools.count(90_000)


@dataclass
class Branch:
    """`main` of the world's repository: commits, merges, reverts and resets, each known to the fake GitHub."""

    world: World

    def tip(self) -> str:
        return self.world.git.git("rev-parse", "main").strip()

    def commit(self, changes: Mapping[str, str | bytes], *, removed: tuple[str, ...] = (), message: str = "") -> str:
        git = self.world.git
        git.checkout("main")
        for name, content in changes.items():
            git.write(name, content)
        for name in removed:
            git.remove(name)
        return self._publish(git.commit(message or "change on main"))

    def merge(self, number: int) -> str:
        """Merge pull request `number` (a merge commit) and tell the fake it was merged as that commit."""
        git = self.world.git
        pull = self.world.pulls[number]
        git.checkout("main")
        git.git("merge", "--no-ff", "-q", "-m", f"Merge pull request #{number}", pull.branch)
        self._publish(pull.head_sha, branch=None)  # the head's parents, for comparisons across the merge
        merged = self._publish(git.git("rev-parse", "HEAD").strip())
        self.world.fake.merge_pull(REPO, number, merge_commit_sha=merged)
        return merged

    def revert(self, sha: str) -> str:
        git = self.world.git
        git.checkout("main")
        git.git("revert", "--no-edit", sha)
        return self._publish(git.git("rev-parse", "HEAD").strip())

    def reset(self, sha: str) -> None:
        """Move `main` back to `sha` (a force-push follows, with new commits or none)."""
        git = self.world.git
        git.checkout("main")
        git.git("reset", "-q", "--hard", sha)
        self.world.fake.repository(REPO).branches["main"] = sha
        self.world.base_sha = sha

    def _publish(self, sha: str, *, branch: str | None = "main") -> str:
        parents = tuple(self.world.git.git("rev-list", "--parents", "-n", "1", sha).split()[1:])
        self.world.fake.repository(REPO).add_commit(_files(self.world, sha), sha=sha, branch=branch, parents=parents)
        if branch == "main":
            self.world.base_sha = sha  # pull requests opened from now on start here
        return sha


def _files(world: World, sha: str) -> dict[str, str | bytes]:
    listing = world.git.git("ls-tree", "-r", "--full-tree", sha).splitlines()
    files: dict[str, str | bytes] = {}
    for entry in listing:
        meta, path = entry.split("\t", 1)
        blob = meta.split()[2]
        files[path] = subprocess.run(
            ["git", "-C", str(world.git.path), "cat-file", "blob", blob],
            env={**os.environ, **GIT_ENV},
            capture_output=True,
            check=True,
        ).stdout
    return files


def example_payload(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((WEBHOOKS / name).read_text())
    return copy.deepcopy(payload)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def merged_delivery(world: World, number: int, *, merge_sha: str, merged_at: datetime) -> Delivery:
    """GitHub's `pull_request.opened` example turned into the `closed` delivery of a merge."""
    delivery = pull_request_delivery(world, number, action="closed")
    pr = delivery.payload["pull_request"]
    pr.update(
        state="closed",
        merged=True,
        merged_at=_iso(merged_at),
        closed_at=_iso(merged_at),
        merge_commit_sha=merge_sha,
    )
    return delivery


def closed_delivery(world: World, number: int) -> Delivery:
    """A pull request closed without a merge (GitHub still fills `merge_commit_sha` with its test merge)."""
    delivery = pull_request_delivery(world, number, action="closed")
    delivery.payload["pull_request"].update(state="closed", merged=False, merged_at=None, merge_commit_sha="f" * 40)
    return delivery


def push_delivery(world: World, *, before: str, after: str, pusher: str = "bob", forced: bool = False) -> Delivery:
    """GitHub's example push to a branch, moved onto `main` of the world's repository."""
    payload = example_payload("push/with-no-username-committer.payload.json")
    payload.update(
        ref="refs/heads/main",
        before=before,
        after=after,
        created=False,
        deleted=False,
        forced=forced,
        installation={"id": OWN, "node_id": "MDIzOkludGVncmF0aW9uMTAw"},
    )
    payload["repository"].update(
        id=world.repo_id, name="widgets", full_name=REPO, default_branch="main", pushed_at=int(time.time())
    )
    payload["sender"]["login"] = pusher
    return Delivery("push", payload, str(uuid.uuid4()))


def comment_delivery(world: World, number: int, body: str, *, user: str) -> Delivery:
    """GitHub's `issue_comment.created` example, as a comment of `user` on pull request `number`."""
    payload = example_payload("issue_comment/created.payload.json")
    payload["issue"].update(number=number)
    payload["issue"]["pull_request"] = {
        "url": f"https://api.github.com/repos/{REPO}/pulls/{number}",
        "html_url": f"https://github.com/{REPO}/pull/{number}",
        "diff_url": f"https://github.com/{REPO}/pull/{number}.diff",
        "patch_url": f"https://github.com/{REPO}/pull/{number}.patch",
        "merged_at": None,
    }
    comment = payload["comment"]
    comment.update(id=next(_comment_ids), body=body, author_association="MEMBER")
    comment["user"].update(login=user, type="User")
    payload["repository"].update(id=world.repo_id, name="widgets", full_name=REPO, default_branch="main")
    payload["installation"] = {"id": OWN, "node_id": "MDIzOkludGVncmF0aW9uMTAw"}
    world.fake.add_user(user)
    return Delivery("issue_comment", payload, str(uuid.uuid4()))


@dataclass(frozen=True)
class Ledger:
    """What the database holds of the ledger after a flow."""

    items: list[LedgerItem]
    events: list[LedgerEvent]
    accepted: list[AcceptedDebtRow]
    runs: list[ReviewRun]

    def owed(self) -> dict[str, LedgerItem]:
        return {i.fingerprint: i for i in self.items if i.state.value in ("open", "accepted")}

    def by_rule(self) -> dict[str, list[LedgerItem]]:
        found: dict[str, list[LedgerItem]] = {}
        for item in self.items:
            found.setdefault(item.rule, []).append(item)
        return found


async def read_ledger(settings: Settings) -> Ledger:
    engine = make_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return Ledger(
                items=list(await session.scalars(select(LedgerItem).order_by(LedgerItem.id))),
                events=list(await session.scalars(select(LedgerEvent).order_by(LedgerEvent.id))),
                accepted=list(await session.scalars(select(AcceptedDebtRow).order_by(AcceptedDebtRow.id))),
                runs=list(await session.scalars(select(ReviewRun).order_by(ReviewRun.id))),
            )
    finally:
        await engine.dispose()


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
