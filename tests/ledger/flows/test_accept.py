"""`/debtbot accept` in a pull request's comment: obeyed for people who may write to the repository, recorded once,
honoured by reviews (the check stops failing), kept in the ledger as accepted, and open again once it expires."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from arq.connections import ArqRedis
from sqlalchemy import select, update

from bot.db.engine import make_engine, session_factory
from bot.db.models import AcceptedDebtRow, FindingRow, LedgerEventKind, LedgerItem, LedgerState
from bot.ledger.commands import REPLY_MARKER
from bot.routing import Route, route
from bot.settings import Settings
from bot.worker import cron_jobs
from tests.e2e.conftest import deliver, drain, pull_request_delivery
from tests.fakegithub import FakeGitHub
from tests.fakegithub.keys import FAKE_APP_ID
from tests.ledger.flow import Branch, comment_delivery, merged_delivery, now, push_delivery, read_ledger
from tests.worker.world import AUTHOR, DEBT_FILES, REPO, World

pytestmark = [pytest.mark.anyio, pytest.mark.services]

MAINTAINER = "maya"
#: A pickled model committed straight to the default branch: MODEL001, owed before the pull request.
OLD_MODEL = {"models/old.pkl": b"\x80\x04\x95" + bytes(range(200))}


def bot_replies(fake: FakeGitHub, number: int = 7) -> list[str]:
    return [c.body for c in fake.comments(REPO, number) if c.user.endswith("[bot]") and "debtbot:reply=" in c.body]


def conclusions(fake: FakeGitHub, head_sha: str) -> list[str | None]:
    return [run.conclusion for run in sorted(fake.check_runs(head_sha=head_sha), key=lambda r: r.id)]


async def set_until(settings: Settings, until: date) -> None:
    """Time passes: the acceptances' last day is `until` (the ledger items say the same)."""
    engine = make_engine(settings.database_url)
    try:
        async with session_factory(engine).begin() as session:
            await session.execute(update(AcceptedDebtRow).values(until=until))
            await session.execute(
                update(LedgerItem).where(LedgerItem.state == LedgerState.ACCEPTED).values(accepted_until=until)
            )
    finally:
        await engine.dispose()


async def test_a_maintainer_accepts_a_rule_the_check_passes_and_the_ledger_keeps_it_accepted_until_it_expires(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    branch = Branch(world)
    before = branch.tip()
    branch.commit(OLD_MODEL)
    await deliver(client, push_delivery(world, before=before, after=branch.tip()))
    pull = world.open_pull(7, DEBT_FILES)
    await deliver(client, pull_request_delivery(world, 7))
    await drain(settings, pool)
    assert conclusions(fake, pull.head_sha) == ["failure"]  # 65 minutes of new debt, over the budget of 60
    fake.set_permission(REPO, MAINTAINER, "maintain")
    until = (datetime.now(UTC) + timedelta(days=30)).date()

    command = comment_delivery(
        world, 7, f"/debtbot accept model-artifact-committed the model is a tiny fixture until {until}", user=MAINTAINER
    )
    await deliver(client, command)
    worker = await drain(settings, pool)

    assert (worker.jobs_complete, worker.jobs_failed) == (2, 0)  # the command, then the review of the head again
    assert conclusions(fake, pull.head_sha) == ["failure", "neutral"]
    (reply,) = bot_replies(fake)
    assert f"@{MAINTAINER} accepted rule `MODEL001` until {until}: the model is a tiny fixture" in reply
    ledger = await read_ledger(settings)
    (row,) = ledger.accepted
    assert (row.target, row.reason, row.until, row.accepted_by, row.pr_number) == (
        "MODEL001",
        "the model is a tiny fixture",
        until,
        MAINTAINER,
        7,
    )
    assert row.comment_id == command.payload["comment"]["id"]
    (old,) = ledger.by_rule()["MODEL001"]
    assert (old.path, old.state, old.accepted_until, old.accepted_by) == (
        "models/old.pkl",
        LedgerState.ACCEPTED,
        until,
        MAINTAINER,
    )

    # Merged, the pull request's own model file is booked accepted at once: the acceptance stands.
    await deliver(client, merged_delivery(world, 7, merge_sha=branch.merge(7), merged_at=now()))
    await drain(settings, pool)
    ledger = await read_ledger(settings)
    assert {i.path: i.state for i in ledger.by_rule()["MODEL001"]} == {
        "models/old.pkl": LedgerState.ACCEPTED,
        "models/model.pkl": LedgerState.ACCEPTED,
    }
    owed_before = {i.fingerprint for i in ledger.owed().values()}

    # A day after its last day, the daily job opens the items again; owed all along, nothing is accrued twice.
    await set_until(settings, date.today() - timedelta(days=1))
    await pool.enqueue_job("expire_acceptances", _job_id="expire-now")
    expired = await drain(settings, pool)

    assert (expired.jobs_complete, expired.jobs_failed) == (1, 0)
    ledger = await read_ledger(settings)
    assert {i.state for i in ledger.by_rule()["MODEL001"]} == {LedgerState.OPEN}
    assert {i.fingerprint for i in ledger.owed().values()} == owed_before
    kinds = [e.kind for e in ledger.events]
    assert kinds.count(LedgerEventKind.EXPIRED) == 2
    assert kinds.count(LedgerEventKind.ACCRUED) == len(ledger.items)


async def test_an_expired_acceptance_no_longer_passes_the_check(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    pull = world.open_pull(7, DEBT_FILES)
    fake.set_permission(REPO, MAINTAINER, "admin")
    await deliver(client, comment_delivery(world, 7, "/debtbot accept MODEL001 temporary fixture", user=MAINTAINER))
    await drain(settings, pool)
    assert conclusions(fake, pull.head_sha) == ["neutral"]

    await set_until(settings, date.today() - timedelta(days=1))
    await deliver(client, comment_delivery(world, 7, "/debtbot review", user=AUTHOR))
    await drain(settings, pool)

    assert conclusions(fake, pull.head_sha) == ["neutral", "failure"]


async def test_someone_without_write_access_is_refused_politely(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    pull = world.open_pull(7, DEBT_FILES)
    fake.set_permission(REPO, "tristan", "triage")

    await deliver(client, comment_delivery(world, 7, "/debtbot accept MODEL001 please", user="tristan"))
    worker = await drain(settings, pool)

    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    (reply,) = bot_replies(fake)
    assert reply.startswith("Thanks @tristan, but only people with write access to this repository can accept debt")
    ledger = await read_ledger(settings)
    assert ledger.accepted == []
    assert fake.check_runs(head_sha=pull.head_sha) == []  # nothing reviewed again


@pytest.mark.parametrize(
    ("arguments", "answer"),
    [
        ("MODEL001 fixture until 2026-02-30", "`2026-02-30` is not a date: write it as YYYY-MM-DD."),
        ("MODEL001", "Give a reason: why is this debt taken on purpose?"),
        ("NOPE042 because", "`NOPE042` is neither a rule nor a fingerprint"),
        ("0123456789abcdef01234567 because", "no review of this repository reported the fingerprint"),
    ],
)
async def test_a_command_that_cannot_be_obeyed_gets_a_reply_that_says_why(
    arguments: str,
    answer: str,
    *,
    world: World,
    fake: FakeGitHub,
    client: httpx.AsyncClient,
    pool: ArqRedis,
    settings: Settings,
) -> None:
    world.open_pull(7, DEBT_FILES)
    fake.set_permission(REPO, MAINTAINER, "write")

    await deliver(client, comment_delivery(world, 7, f"/debtbot accept {arguments}", user=MAINTAINER))
    await drain(settings, pool)

    (reply,) = bot_replies(fake)
    assert reply.startswith(f"@{MAINTAINER}, I could not accept that: ")
    assert answer in reply
    assert "Usage: `/debtbot accept <rule-or-fingerprint> <reason> [until YYYY-MM-DD]`" in reply
    assert (await read_ledger(settings)).accepted == []


@pytest.mark.parametrize("database_url", ["sqlite", pytest.param("postgresql", id="postgresql")], indirect=True)
async def test_a_command_run_again_is_recorded_and_answered_once(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    world.open_pull(7, DEBT_FILES)
    fake.set_permission(REPO, MAINTAINER, "write")
    command = comment_delivery(world, 7, "/debtbot accept MODEL001 temporary fixture", user=MAINTAINER)
    await deliver(client, command)
    await drain(settings, pool)

    # The worker stopped after answering but before arq recorded the job: arq runs it again.
    routed = route(command.event, command.payload, app_id=FAKE_APP_ID, delivery_id=command.delivery_id)
    assert isinstance(routed, Route)
    await pool.enqueue_job(routed.job_name, routed.job.to_queue(), _job_id=f"{routed.job_id}:again")
    await drain(settings, pool)

    assert len((await read_ledger(settings)).accepted) == 1
    (reply,) = bot_replies(fake)
    assert REPLY_MARKER.format(comment_id=command.payload["comment"]["id"]) in reply


async def test_accepting_a_findings_fingerprint_accepts_each_of_its_hits(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    branch = Branch(world)
    todos = "# TODO: rename this helper\n# TODO: split this module\nimport os\n"
    world.open_pull(7, {"helpers.py": todos})
    await deliver(client, pull_request_delivery(world, 7))
    await drain(settings, pool)
    await deliver(client, merged_delivery(world, 7, merge_sha=branch.merge(7), merged_at=now()))
    await drain(settings, pool)
    ledger = await read_ledger(settings)
    finding = next(r for r in await _findings(settings) if r.rule == "CODE001")
    assert len(finding.occurrences) == 2
    assert finding.fingerprint not in {i.fingerprint for i in ledger.items}  # the ledger books each hit
    world.open_pull(8, {"README.md": "# widgets, documented\n"})
    fake.set_permission(REPO, MAINTAINER, "write")

    await deliver(client, comment_delivery(world, 8, f"/debtbot accept {finding.fingerprint} known", user=MAINTAINER))
    await drain(settings, pool)

    ledger = await read_ledger(settings)
    assert {i.state for i in ledger.by_rule()["CODE001"]} == {LedgerState.ACCEPTED}
    assert len(ledger.by_rule()["CODE001"]) == 2


def test_the_expiry_runs_daily_in_every_worker() -> None:
    (expiry,) = [job for job in cron_jobs() if job.name == "expire_acceptances"]
    assert (expiry.hour, expiry.minute, expiry.unique) == ({0}, {5}, True)


async def _findings(settings: Settings) -> list[FindingRow]:
    engine = make_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return list(await session.scalars(select(FindingRow)))
    finally:
        await engine.dispose()
