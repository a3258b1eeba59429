"""The baseline: the default branch's whole tree scanned once, so the ledger starts from what the repository owes.

The tree is reviewed as if every file were added by one change: files whose kind the rules read (code,
manifests, config) get their text fetched, within a budget of files and bytes (`BASELINE_BUDGET`, in the order
`checks.inputs.wanted_texts` puts them: context files and manifests first); the others, and those past the
budget, are added files whose lines are unknown (rules on paths and sizes still see them). What the rules find
accrues with source `baseline`. Progress is kept on the repository's row (`baseline_*`) and logged, so the
status page can show it while the scan runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import BaselineStatus, LedgerSource, Repository, utcnow
from bot.github import GitHubGateway, Tree
from bot.jobs import BaselineScan
from bot.ledger import book
from bot.ledger.accrual import Booking, book_change
from bot.logging import get_logger
from bot.pull_review import run_engine
from bot.review_inputs import ReviewInputs, TextBudget, read_config, read_texts
from bot.worker_context import Outcome, WorkerDeps
from checks.diff import Diff, parse_github_files
from checks.inputs import CONTEXT_FILES
from checks.paths import Kind, kind
from checks.rules.dependency_imports import is_manifest
from checks.snapshot import Snapshot

log = get_logger(__name__)

#: What one baseline scan may read: far more than a review (it runs once per repository), still bounded.
BASELINE_BUDGET = TextBudget(max_files=2000, max_bytes=32 * 1024 * 1024, max_file_bytes=1024 * 1024, concurrency=8)
#: Files of the tree scanned at most (the rest of a giant monorepo is left out, and logged).
MAX_SCANNED_FILES = 20_000
#: Texts fetched between two progress updates.
PROGRESS_EVERY = 50


def scan_order(tree: Tree) -> list[str]:
    """The tree's files, most needed first: context files, dependency manifests, then every other file by path."""
    files = sorted(tree.sizes)
    first = [p for p in files if p in CONTEXT_FILES or is_manifest(p)]
    chosen = set(first)
    return first + [p for p in files if p not in chosen]


def choose_texts(paths: Sequence[str], sizes: Mapping[str, int], budget: TextBudget) -> list[str]:
    """The paths whose text to fetch: files of a kind rules read, in order, within the budget."""
    chosen: list[str] = []
    total = 0
    for path in paths:
        size = sizes.get(path, 0)
        if kind(path) is Kind.OTHER and path not in CONTEXT_FILES:
            continue  # data, models, images...: their path and size are what rules look at
        if size > budget.max_file_bytes or len(chosen) >= budget.max_files or total + size > budget.max_bytes:
            continue
        chosen.append(path)
        total += size
    return chosen


def as_added(paths: Sequence[str], texts: Mapping[str, str]) -> Diff:
    """Every file as added by one change: its lines when its text was read, unknown lines otherwise."""
    entries: list[dict[str, Any]] = []
    for path in paths:
        entry: dict[str, Any] = {"filename": path, "status": "added"}
        lines = texts[path].splitlines() if path in texts else []
        if lines:
            entry["patch"] = f"@@ -0,0 +1,{len(lines)} @@\n" + "\n".join(f"+{line}" for line in lines)
        entries.append(entry)
    return parse_github_files(entries)


async def scan(deps: WorkerDeps, gateway: GitHubGateway, job: BaselineScan) -> Outcome:
    """Scan and book the default branch of `job`'s repository (raises what the gateway raises)."""
    if not job.force and await _status(deps, job.repo_id) is BaselineStatus.COMPLETED:
        log.info("baseline_already_completed")
        return Outcome.IGNORED
    repo = job.repo_full_name
    head = await gateway.get_branch_head(repo)
    tree = await gateway.get_tree(repo, head.sha)
    order = scan_order(tree)
    scanned = order[:MAX_SCANNED_FILES]
    wanted = choose_texts(scanned, tree.sizes, BASELINE_BUDGET)
    await _progress(
        deps,
        job.repo_id,
        status=BaselineStatus.IN_PROGRESS,
        baseline_files_total=len(scanned),
        # Files looked at by their path and size alone are done at once; each text read counts when it is in.
        baseline_files_done=len(scanned) - len(wanted),
        baseline_sha=head.sha,
        baseline_error=None,
        baseline_completed_at=None,
    )
    log.info("baseline_started", branch=head.name, sha=head.sha, files=len(order), texts=len(wanted))
    if len(order) > len(scanned):
        log.warning("baseline_limited", files=len(order), scanned=len(scanned))
    texts = await _read(deps, gateway, job, head.sha, wanted, done=len(scanned) - len(wanted))
    config = await read_config(gateway, repo, head.sha)
    today = datetime.now(UTC).date()
    diff = await asyncio.to_thread(as_added, scanned, texts)
    sizes = {path: tree.sizes[path] for path in scanned}
    snapshot = Snapshot(sizes=sizes, texts=texts, tree=None if tree.truncated else tree.paths, today=today)
    engine = await run_engine(deps, ReviewInputs(diff=diff, snapshot=snapshot, config=config), repo_id=job.repo_id)
    by = book.Attribution(at=utcnow(), source=LedgerSource.BASELINE, sha=head.sha)
    booking = Booking(accrue=book.debts_of(engine.result.findings, engine.reach))
    async with deps.sessions.begin() as session:
        booked = await book_change(session, job.repo_id, booking, by, today=today)
        await _set(
            session,
            job.repo_id,
            baseline_status=BaselineStatus.COMPLETED,
            baseline_files_done=len(scanned),
            baseline_completed_at=utcnow(),
        )
    log.info(
        "baseline_completed",
        files=len(scanned),
        texts=len(texts),
        findings=len(engine.result.findings),
        accrued=booked.accrued,
        accepted=booked.accepted,
    )
    return Outcome.SUCCESS


async def fail(deps: WorkerDeps, repo_id: int, reason: str) -> None:
    """The scan gave up: the repository's row says why (the status page shows it)."""
    await _progress(deps, repo_id, status=BaselineStatus.FAILED, baseline_error=reason[:2000])
    log.warning("baseline_failed", reason=reason)


async def _read(
    deps: WorkerDeps, gateway: GitHubGateway, job: BaselineScan, sha: str, wanted: Sequence[str], *, done: int
) -> dict[str, str]:
    """The wanted texts, a batch at a time, with the progress recorded after each batch."""
    texts: dict[str, str] = {}
    spent = 0
    for start in range(0, len(wanted), PROGRESS_EVERY):
        batch = wanted[start : start + PROGRESS_EVERY]
        left = TextBudget(
            max_files=len(batch),
            max_bytes=max(0, BASELINE_BUDGET.max_bytes - spent),
            max_file_bytes=BASELINE_BUDGET.max_file_bytes,
            concurrency=BASELINE_BUDGET.concurrency,
        )
        found = await read_texts(gateway, job.repo_full_name, sha, batch, left)
        texts.update(found)
        spent += sum(len(t.encode("utf-8", "surrogatepass")) for t in found.values())
        done += len(batch)
        await _progress(deps, job.repo_id, baseline_files_done=done)
        log.info("baseline_progress", files_done=done, texts=len(texts), of_texts=len(wanted))
    return texts


async def _status(deps: WorkerDeps, repo_id: int) -> BaselineStatus | None:
    async with deps.sessions() as session:
        return await session.scalar(select(Repository.baseline_status).where(Repository.id == repo_id))


async def _progress(deps: WorkerDeps, repo_id: int, *, status: BaselineStatus | None = None, **values: Any) -> None:
    if status is not None:
        values["baseline_status"] = status
    async with deps.sessions.begin() as session:
        await _set(session, repo_id, **values)


async def _set(session: AsyncSession, repo_id: int, **values: Any) -> None:
    await session.execute(update(Repository).where(Repository.id == repo_id).values(updated_at=utcnow(), **values))
