"""What a review reads from GitHub: the diff, the head's tree and the texts rules need, and the base branch's config.

The diff comes as one unified diff; when GitHub refuses to render it (406 `too_large`) the files API gives the
same hunks per file, up to GitHub's 3,000 files. Texts are fetched for the changed files rules read whole
(Python, notebooks, manifests, Dockerfiles, CI and YAML), the tree's dependency manifests, `.gitattributes` and
`dvc.lock` (`checks.inputs.wanted_texts`), within a budget
of files and bytes: a rule missing a text falls back to the diff alone. The config is read from the BASE
branch, never the head: a pull request (from a fork above all) must not switch its own review off.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.github import DiffTooLarge, GitHubGateway, PullInfo, Tree
from bot.logging import get_logger
from checks.config import CONFIG_PATH, LoadedConfig, load_config
from checks.diff import Diff, FileStatus, parse_diff, parse_github_files
from checks.inputs import wanted_base_sizes, wanted_texts
from checks.snapshot import Snapshot

log = get_logger(__name__)

#: GitHub lists at most 3,000 files of a pull request: a listing that long may be cut short.
MAX_LISTED_FILES = 3000


@dataclass(frozen=True)
class TextBudget:
    """How much text one review may fetch: each file is a request, and all of it sits in memory."""

    max_files: int = 200
    max_bytes: int = 4 * 1024 * 1024
    #: Larger files are skipped (the contents API serves at most 1 MB inline anyway).
    max_file_bytes: int = 1024 * 1024
    #: Requests in flight at once (GitHub's secondary limit allows 100 per installation).
    concurrency: int = 8


class TooLargeToReviewError(Exception):
    """GitHub gives no complete picture of the change (over 3,000 files): the check says "too large to review"."""


@dataclass(frozen=True)
class ReviewInputs:
    diff: Diff
    snapshot: Snapshot
    config: LoadedConfig
    #: The diff was rebuilt from the files API after GitHub refused to render it.
    from_files_api: bool = False
    #: Texts the budget left out (rules fall back to the diff for those files).
    texts_skipped: int = 0


async def read_diff(
    gateway: GitHubGateway, repo: str, number: int, *, max_listed_files: int = MAX_LISTED_FILES
) -> tuple[Diff, bool]:
    """The pull request's diff, and whether it came from the files API (GitHub refused the unified diff).

    Raises `TooLargeToReviewError` when the files listing reaches `max_listed_files` (it may be cut short).
    """
    try:
        text = await gateway.get_diff(repo, number)
    except DiffTooLarge as refused:
        log.info("diff_too_large_using_files_api", reason=refused.message)
        entries = await gateway.list_files(repo, number, limit=max_listed_files)
        if len(entries) >= max_listed_files:
            raise TooLargeToReviewError(
                f"GitHub lists at most {max_listed_files:,} files of a pull request, and this one has "
                f"{max_listed_files:,} or more: the change cannot be seen whole."
            ) from refused
        return await asyncio.to_thread(parse_github_files, entries), True
    # Parsing a release-sized diff takes a noticeable moment: off the event loop, like the review itself.
    return await asyncio.to_thread(parse_diff, text), False


def choose_texts(diff: Diff, tree: Tree | None, budget: TextBudget) -> tuple[list[str], int]:
    """The paths whose text to fetch, in order of need, and how many wanted ones the budget left out.

    The order is `checks.inputs.wanted_texts`' (context files, the tree's manifests, then the changed files
    rules read whole). A known size counts against the budget before fetching; an unknown one (a truncated
    tree) is checked after.
    """
    wanted = wanted_texts(diff, None if tree is None or tree.truncated else tree.paths)
    chosen: list[str] = []
    total = skipped = 0
    for path in wanted:
        size = tree.sizes.get(path) if tree is not None else None
        if tree is not None and not tree.truncated and path not in tree.sizes:
            continue  # not a blob at the head (a submodule, or gone): nothing to read
        if size is not None and size > budget.max_file_bytes:
            skipped += 1
            continue
        if len(chosen) >= budget.max_files or total + (size or 0) > budget.max_bytes:
            skipped += 1
            continue
        chosen.append(path)
        total += size or 0
    return chosen, skipped


async def read_texts(
    gateway: GitHubGateway, repo: str, ref: str, paths: Sequence[str], budget: TextBudget
) -> dict[str, str]:
    """The texts of `paths` at `ref`, a few requests at a time; binary, missing and oversized files are left out."""
    gate = asyncio.Semaphore(max(1, budget.concurrency))
    found: dict[str, str | None] = {}

    async def one(path: str) -> None:
        async with gate:
            found[path] = await gateway.get_text(repo, path, ref)

    try:
        async with asyncio.TaskGroup() as group:
            for path in paths:
                group.create_task(one(path))
    except BaseExceptionGroup as failed:
        # The first failure is the one to classify (the others were cancelled with it or are alike).
        raise failed.exceptions[0] from None
    texts: dict[str, str] = {}
    total = 0
    for path in paths:  # in order of need, so the budget keeps the most wanted
        text = found.get(path)
        if text is None or "\0" in text:
            continue  # missing, or binary after all: rules must not see it as text
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > budget.max_file_bytes or total + size > budget.max_bytes:
            continue
        total += size
        texts[path] = text.removeprefix("\ufeff")
    return texts


async def read_config(gateway: GitHubGateway, repo: str, base_ref: str) -> LoadedConfig:
    """`.github/debtbot.yml` of the base branch: defaults when it has none, defaults and errors when it is broken."""
    return load_config(await gateway.get_text(repo, CONFIG_PATH, base_ref))


async def read_inputs(
    gateway: GitHubGateway,
    pull: PullInfo,
    *,
    today: date,
    budget: TextBudget | None = None,
    max_listed_files: int = MAX_LISTED_FILES,
) -> ReviewInputs:
    """Everything `checks.review` needs for `pull` at its head, read from the base repository.

    GitHub serves a pull request's head commit from the base repository even when it lives in a fork.
    Raises `TooLargeToReviewError`, or what the gateway raises (for `bot.errors.classify`).
    """
    repo = pull.base_repo
    diff, from_files_api = await read_diff(gateway, repo, pull.number, max_listed_files=max_listed_files)
    return await inputs_at(
        gateway,
        repo,
        diff,
        head=pull.head_sha,
        # The base branch's tip: where the three-dot diff forked from, unless the branch moved on since.
        base=pull.base_sha,
        config_ref=pull.base_ref,
        today=today,
        budget=budget,
        from_files_api=from_files_api,
    )


async def inputs_at(
    gateway: GitHubGateway,
    repo: str,
    diff: Diff,
    *,
    head: str,
    config_ref: str,
    today: date,
    base: str | None = None,
    budget: TextBudget | None = None,
    from_files_api: bool = False,
) -> ReviewInputs:
    """The inputs of a review of `diff` (a pull request's, or a comparison's): the tree and texts at `head`,
    the config at `config_ref`, and the sizes at `base` of deleted files the diff shows no lines of (the base's
    tree is read only when there are such files)."""
    budget = budget or TextBudget()
    tree = await gateway.get_tree(repo, head)
    paths, skipped = choose_texts(diff, tree, budget)
    texts = await read_texts(gateway, repo, head, paths, budget)
    config = await read_config(gateway, repo, config_ref)
    sizes = {p.path: tree.sizes[p.path] for p in diff if p.status is not FileStatus.REMOVED and p.path in tree.sizes}
    deleted = wanted_base_sizes(diff)
    if deleted and base is not None:
        before = await gateway.get_tree(repo, base)
        sizes.update({path: before.sizes[path] for path in deleted if path in before.sizes})
    snapshot = Snapshot(
        sizes=sizes,
        texts=texts,
        # A truncated listing cannot say a file is missing: rules then treat the tree as unknown.
        tree=None if tree.truncated else tree.paths,
        today=today,
    )
    if skipped or len(texts) < len(paths):
        log.info("review_texts_limited", fetched=len(texts), skipped=skipped + len(paths) - len(texts))
    return ReviewInputs(
        diff=diff,
        snapshot=snapshot,
        config=config,
        from_files_api=from_files_api,
        texts_skipped=skipped + len(paths) - len(texts),
    )
