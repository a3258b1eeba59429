"""A merged pull request's debt enters the ledger, attributed to the pull request, its author and the merge."""

from __future__ import annotations

import httpx
import pytest
from arq.connections import ArqRedis
from sqlalchemy import select

from bot.db.engine import make_engine, session_factory
from bot.db.models import LedgerEventKind, LedgerSource, LedgerState, PullRequest, PullRequestState
from bot.jobs import PullRequestClosed
from bot.ledger.merges import merge_review_job_id
from bot.settings import Settings
from tests.e2e.conftest import Delivery, deliver, drain, pull_request_delivery
from tests.fakegithub import FakeGitHub
from tests.ledger.flow import Branch, closed_delivery, merged_delivery, now, push_delivery, read_ledger
from tests.worker.world import AUTHOR, DEBT_FILES, DEBT_RULES, World

pytestmark = [pytest.mark.anyio, pytest.mark.services]

#: A change that removes DEBT_FILES' TODO (and nothing else).
TODO_FIXED = str(DEBT_FILES["train.py"]).replace("    # TODO: fix this hack before the release\n", "")


async def test_a_merged_pull_request_books_what_its_last_review_found(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    branch = Branch(world)
    before = branch.tip()
    world.open_pull(7, DEBT_FILES)
    await deliver(client, pull_request_delivery(world, 7))
    await drain(settings, pool)
    merge, merged_at = branch.merge(7), now()

    await deliver(client, merged_delivery(world, 7, merge_sha=merge, merged_at=merged_at))
    # GitHub announces the merge commit on the default branch too: the pull request books it, not the push.
    await deliver(client, push_delivery(world, before=before, after=merge))
    worker = await drain(settings, pool)

    assert (worker.jobs_complete, worker.jobs_failed) == (2, 0)
    ledger = await read_ledger(settings)
    assert {i.rule for i in ledger.items} == DEBT_RULES
    for item in ledger.items:
        assert (item.state, item.source, item.accrued_pr, item.accrued_by, item.accrued_sha) == (
            LedgerState.OPEN,
            LedgerSource.PULL_REQUEST,
            7,
            AUTHOR,
            merge,
        )
        assert item.accrued_at == merged_at
    assert [e.kind for e in ledger.events] == [LedgerEventKind.ACCRUED] * len(ledger.items)
    assert sum(e.effort_minutes for e in ledger.events) == sum(i.effort_minutes for i in ledger.items)
    # Every file of the repository lives with its dependency manifest; nothing imports the training script.
    reach = {i.rule: i.reach for i in ledger.items}
    assert reach["DEP001"] == len(fake.repository("octo-org/widgets").commits[merge])
    assert reach["CODE001"] == 0
    assert len(ledger.runs) == 1  # the pull request's own review: neither the merge nor its push reviewed again
    assert len(fake.check_runs()) == 1


async def test_a_head_never_reviewed_is_reviewed_at_the_merge_without_a_word_on_github(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    pull = world.open_pull(7, DEBT_FILES)  # opened while the service was down: never reviewed
    merge = Branch(world).merge(7)

    await deliver(client, merged_delivery(world, 7, merge_sha=merge, merged_at=now()))
    await drain(settings, pool)

    ledger = await read_ledger(settings)
    assert {i.rule for i in ledger.items} == DEBT_RULES
    (run,) = ledger.runs
    assert (run.head_sha, run.job_id, run.check_run_id) == (
        pull.head_sha,
        f"merge_review:{world.repo_id}:7:{pull.head_sha}",
        None,
    )
    assert fake.check_runs() == []
    assert fake.comments("octo-org/widgets", 7) == []
    assert fake.reviews("octo-org/widgets", 7) == []


@pytest.mark.parametrize("database_url", ["sqlite", pytest.param("postgresql", id="postgresql")], indirect=True)
async def test_a_merge_is_booked_once_and_a_later_payment_stands(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    branch = Branch(world)
    world.open_pull(7, DEBT_FILES)
    merged = merged_delivery(world, 7, merge_sha=branch.merge(7), merged_at=now())
    await deliver(client, merged)
    await drain(settings, pool)
    world.open_pull(8, {"train.py": TODO_FIXED})
    await deliver(client, pull_request_delivery(world, 8))
    await drain(settings, pool)
    await deliver(client, merged_delivery(world, 8, merge_sha=branch.merge(8), merged_at=now()))
    await drain(settings, pool)

    # The worker stopped after the first merge was booked but before arq recorded it: arq runs the job again.
    job = PullRequestClosed.model_validate(_job_payload(merged, world))
    await pool.enqueue_job(job.name, job.to_queue(), _job_id=f"{job.job_id}:again")
    again = await drain(settings, pool)

    assert (again.jobs_complete, again.jobs_failed) == (1, 0)
    ledger = await read_ledger(settings)
    (todo,) = ledger.by_rule()["CODE001"]
    assert (todo.state, todo.paid_pr, todo.accrued_pr) == (LedgerState.PAID, 8, 7)
    assert {i.rule for i in ledger.owed().values()} == DEBT_RULES - {"CODE001"}
    kinds = [e.kind for e in ledger.events]
    assert kinds.count(LedgerEventKind.ACCRUED) == len(DEBT_RULES)
    assert kinds.count(LedgerEventKind.PAID) == 1
    # Pull request 7 was reviewed when it merged, once: the job run again found the merge booked and stopped.
    assert [r.job_id for r in ledger.runs].count(merge_review_job_id(job)) == 1


async def test_debt_a_merged_pull_request_edits_in_place_moves_to_its_new_fingerprint(
    world: World, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    """A TODO reworded by pull request 8 is not its new debt (its check passes), yet the ledger follows it: the item
    moves to the fingerprint it has now, still owed since pull request 7 (its age and interest go on), and removing
    it later pays what the ledger holds."""
    branch = Branch(world)
    world.open_pull(7, DEBT_FILES)
    await deliver(client, merged_delivery(world, 7, merge_sha=branch.merge(7), merged_at=now()))
    await drain(settings, pool)
    reworded = str(DEBT_FILES["train.py"]).replace("fix this hack before the release", "fix this hack before 2.0")
    for number, files in ((8, reworded), (9, TODO_FIXED)):
        world.open_pull(number, {"train.py": files})
        await deliver(client, pull_request_delivery(world, number))
        await drain(settings, pool)
        await deliver(client, merged_delivery(world, number, merge_sha=branch.merge(number), merged_at=now()))
        await drain(settings, pool)

    ledger = await read_ledger(settings)
    (todo,) = ledger.by_rule()["CODE001"]
    assert (todo.accrued_pr, todo.paid_pr, todo.state) == (7, 9, LedgerState.PAID)
    assert "before 2.0" in todo.message
    assert {i.rule for i in ledger.owed().values()} == DEBT_RULES - {"CODE001"}
    moves = [(e.kind, e.pr_number) for e in ledger.events if e.item_id == todo.id]
    assert moves == [(LedgerEventKind.ACCRUED, 7), (LedgerEventKind.EDITED, 8), (LedgerEventKind.PAID, 9)]
    reviews = {r.pr_number: r for r in ledger.runs}
    assert (reviews[8].findings_count, reviews[8].paid_count) == (0, 0)


async def test_a_pull_request_closed_without_a_merge_books_nothing(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    world.open_pull(7, DEBT_FILES)
    await deliver(client, pull_request_delivery(world, 7))
    await drain(settings, pool)
    fake.close_pull("octo-org/widgets", 7)
    await deliver(client, closed_delivery(world, 7))
    await drain(settings, pool)

    ledger = await read_ledger(settings)
    assert ledger.items == []
    assert ledger.events == []
    assert await _pull_request_state(settings) == (PullRequestState.CLOSED, False, None)


async def test_a_pull_request_merged_into_another_branch_books_nothing(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    # A pull request into a release or feature branch: its debt is not on the default branch (yet), and what it
    # removes is still owed there.
    world.open_pull(7, DEBT_FILES)
    await deliver(client, pull_request_delivery(world, 7))
    await drain(settings, pool)
    merged = merged_delivery(world, 7, merge_sha="e" * 40, merged_at=now())
    merged.payload["pull_request"]["base"].update(ref="release-1.x", label="octo-org:release-1.x")

    await deliver(client, merged)
    worker = await drain(settings, pool)

    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    ledger = await read_ledger(settings)
    assert ledger.items == []
    assert ledger.events == []


def _job_payload(delivery: Delivery, world: World) -> dict[str, object]:
    """The job the webhook queued for a merge's delivery (as routing builds it)."""
    pr = delivery.payload["pull_request"]
    return {
        "installation_id": 100,
        "delivery_id": delivery.delivery_id,
        "repo_id": world.repo_id,
        "repo_full_name": "octo-org/widgets",
        "pr_number": pr["number"],
        "merged": True,
        "merge_commit_sha": pr["merge_commit_sha"],
        "author": AUTHOR,
        "merged_at": pr["merged_at"],
        "head_sha": pr["head"]["sha"],
        "base_ref": "main",
    }


async def _pull_request_state(settings: Settings) -> tuple[PullRequestState, bool, str | None]:
    engine = make_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            pr = (await session.scalars(select(PullRequest).where(PullRequest.number == 7))).one()
            return pr.state, pr.merged, pr.merge_commit_sha
    finally:
        await engine.dispose()
