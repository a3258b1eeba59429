"""Pushes straight to the default branch: what they add accrues and what they remove is paid, once, whatever
force-pushes and reverts do to the branch."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
from arq.connections import ArqRedis

from bot.db.models import LedgerEventKind, LedgerSource, LedgerState
from bot.routing import Route, route
from bot.settings import Settings
from tests.e2e.conftest import Delivery, deliver, drain
from tests.fakegithub.keys import FAKE_APP_ID
from tests.ledger.flow import Branch, Ledger, push_delivery, read_ledger
from tests.worker.world import World

pytestmark = [pytest.mark.anyio, pytest.mark.services]

TODO_A = "# TODO: drop this workaround once the loader is fixed\n"
TODO_B = "# TODO: rename this helper once its callers moved\n"
TODO_C = "# TODO: split this module in two\n"


def script(*todos: str) -> str:
    return "".join(todos) + "import os\n"


class Pusher:
    """Pushes `main` as it is now, as GitHub announces it, and runs the worker."""

    def __init__(self, world: World, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings) -> None:
        self.world, self.client, self.pool, self.settings = world, client, pool, settings
        self.branch = Branch(world)
        self.pushed = self.branch.tip()

    async def push(self, *, forced: bool = False, pusher: str = "bob") -> Delivery:
        after = self.branch.tip()
        delivery = push_delivery(self.world, before=self.pushed, after=after, pusher=pusher, forced=forced)
        self.pushed = after
        await deliver(self.client, delivery)
        worker = await drain(self.settings, self.pool)
        assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
        return delivery

    async def ledger(self) -> Ledger:
        return await read_ledger(self.settings)


@pytest.fixture
def pusher(world: World, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings) -> Pusher:
    return Pusher(world, client, pool, settings)


def owed_messages(ledger: Ledger) -> set[str]:
    return {i.message for i in ledger.owed().values()}


def event_kinds(ledger: Ledger) -> Counter[LedgerEventKind]:
    return Counter(e.kind for e in ledger.events)


async def test_a_push_accrues_what_it_adds_and_a_later_push_pays_what_it_removes(pusher: Pusher) -> None:
    added = pusher.branch.commit({"prep.py": script(TODO_A)})
    await pusher.push(pusher="carol")
    removed = pusher.branch.commit({"prep.py": script()})
    await pusher.push(pusher="dave")

    ledger = await pusher.ledger()
    (item,) = ledger.items
    assert (item.rule, item.path, item.source) == ("CODE001", "prep.py", LedgerSource.PUSH)
    assert (item.accrued_by, item.accrued_sha, item.accrued_pr) == ("carol", added, None)
    assert (item.state, item.paid_by, item.paid_sha) == (LedgerState.PAID, "dave", removed)
    assert [r.pr_number for r in ledger.runs] == [0, 0]  # a push's review names no pull request


async def test_a_push_that_deletes_a_binary_dataset_pays_it_by_its_size_at_the_base(pusher: Pusher) -> None:
    dataset = bytes(range(256)) * 8192  # 2 MB, binary: the diff shows no lines of it
    added = pusher.branch.commit({"data/train.parquet": dataset})
    await pusher.push(pusher="carol")
    removed = pusher.branch.commit({}, removed=("data/train.parquet",))
    await pusher.push(pusher="dave")

    ledger = await pusher.ledger()
    (item,) = ledger.items
    assert (item.rule, item.path, item.accrued_sha) == ("DATA001", "data/train.parquet", added)
    assert (item.state, item.paid_by, item.paid_sha) == (LedgerState.PAID, "dave", removed)


@pytest.mark.parametrize("database_url", ["sqlite", pytest.param("postgresql", id="postgresql")], indirect=True)
async def test_a_force_push_that_drops_commits_pays_what_they_added(pusher: Pusher) -> None:
    first = pusher.branch.commit({"prep.py": script(TODO_A)})
    await pusher.push()
    pusher.branch.commit({"prep.py": script(TODO_A, TODO_B)})
    await pusher.push()
    pusher.branch.reset(first)  # `git push --force` of an older commit: the second one is dropped
    await pusher.push(forced=True)

    ledger = await pusher.ledger()
    assert owed_messages(ledger) == {_todo(TODO_A)}
    dropped = next(i for i in ledger.items if i.message == _todo(TODO_B))
    assert (dropped.state, dropped.paid_sha) == (LedgerState.PAID, first)
    assert event_kinds(ledger) == {LedgerEventKind.ACCRUED: 2, LedgerEventKind.PAID: 1}


async def test_a_force_push_that_rewrites_commits_counts_their_debt_once(pusher: Pusher) -> None:
    base = pusher.branch.tip()
    pusher.branch.commit({"prep.py": script(TODO_A)})
    await pusher.push()
    pusher.branch.reset(base)
    pusher.branch.commit({"prep.py": script(TODO_A, TODO_C)}, message="the same change, amended")
    await pusher.push(forced=True)

    ledger = await pusher.ledger()
    assert owed_messages(ledger) == {_todo(TODO_A), _todo(TODO_C)}
    assert event_kinds(ledger) == {LedgerEventKind.ACCRUED: 2}  # TODO_A is owed as before, not accrued again


async def test_a_revert_pays_and_a_revert_of_the_revert_owes_again_the_same_item(pusher: Pusher) -> None:
    change = pusher.branch.commit({"prep.py": script(TODO_A)})
    await pusher.push()
    revert = pusher.branch.revert(change)
    await pusher.push()
    pusher.branch.revert(revert)
    await pusher.push()

    ledger = await pusher.ledger()
    (item,) = ledger.items
    assert item.state is LedgerState.OPEN
    assert [e.kind for e in ledger.events] == [LedgerEventKind.ACCRUED, LedgerEventKind.PAID, LedgerEventKind.ACCRUED]
    owed = sum(e.effort_minutes * (1 if e.kind is LedgerEventKind.ACCRUED else -1) for e in ledger.events)
    assert owed == item.effort_minutes


async def test_debt_a_push_edits_in_place_moves_to_its_new_fingerprint_and_is_paid_when_removed(pusher: Pusher) -> None:
    pusher.branch.commit({"prep.py": script(TODO_A)})
    await pusher.push()
    pusher.branch.commit({"prep.py": script(TODO_A.replace("is fixed", "is fixed upstream"))})
    await pusher.push()
    pusher.branch.commit({"prep.py": script()})
    await pusher.push()

    ledger = await pusher.ledger()
    (item,) = ledger.items
    assert item.state is LedgerState.PAID
    assert "upstream" in item.message  # the item followed the TODO as reworded
    assert owed_messages(ledger) == set()
    assert [e.kind for e in ledger.events] == [
        LedgerEventKind.ACCRUED,
        LedgerEventKind.EDITED,  # reworded: the same debt, owed since the first push, under its new fingerprint
        LedgerEventKind.PAID,  # removed: the ledger pays what it holds
    ]


async def test_a_push_is_booked_once_even_when_its_job_runs_again(pusher: Pusher) -> None:
    pusher.branch.commit({"prep.py": script(TODO_A)})
    delivery = await pusher.push()
    pusher.branch.commit({"prep.py": script()})
    await pusher.push()

    # The worker stopped after the first push was booked but before arq recorded it: arq runs the job again.
    routed = route(delivery.event, delivery.payload, app_id=FAKE_APP_ID, delivery_id=delivery.delivery_id)
    assert isinstance(routed, Route)
    await pusher.pool.enqueue_job(routed.job_name, routed.job.to_queue(), _job_id=f"{routed.job_id}:again")
    again = await drain(pusher.settings, pusher.pool)

    assert (again.jobs_complete, again.jobs_failed) == (1, 0)
    ledger = await pusher.ledger()
    assert ledger.items[0].state is LedgerState.PAID  # not owed again by the first push's job run twice
    assert event_kinds(ledger) == {LedgerEventKind.ACCRUED: 1, LedgerEventKind.PAID: 1}


def _todo(line: str) -> str:
    return "TODO comment: " + line.removeprefix("# ").strip()


async def test_a_branch_fast_forwarded_onto_the_default_branch_is_booked_by_its_push(pusher: Pusher) -> None:
    # Pull request 9 was merged into `develop`, which is then pushed onto `main` as it is: GitHub lists pull
    # request 9 for the pushed commit, but only a merge into the default branch books it.
    world = pusher.world
    pull = world.open_pull(9, {"prep.py": script(TODO_A)})
    pr = world.fake.world.pulls[("octo-org/widgets", 9)]
    pr.base_ref = "develop"
    world.fake.merge_pull("octo-org/widgets", 9, merge_commit_sha=pull.head_sha)
    world.git.checkout("main")
    world.git.git("merge", "--ff-only", "-q", pull.branch)
    pusher.branch._publish(pull.head_sha)  # `main` fast-forwarded to the pull request's head, known to the fake
    await pusher.push()

    ledger = await pusher.ledger()
    assert owed_messages(ledger) == {_todo(TODO_A)}
    assert ledger.items[0].source is LedgerSource.PUSH
