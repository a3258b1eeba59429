"""The baseline: a repository the App is installed on is scanned once, whole, so its ledger starts from what it owes;
`debtbot baseline` scans it again, queued or in the terminal."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis
from sqlalchemy import select

from bot.__main__ import main
from bot.db.engine import make_engine, session_factory
from bot.db.models import BaselineStatus, LedgerEventKind, LedgerSource, LedgerState, Repository
from bot.ledger import baseline
from bot.settings import Settings, get_settings
from tests.e2e.conftest import E2E_OPTIONS, Delivery, deliver, drain, pull_request_delivery
from tests.fakegithub import FakeGitHub
from tests.fakegithub.keys import shared_app_key
from tests.ledger.flow import Branch, example_payload, merged_delivery, now, read_ledger
from tests.worker.conftest import WEBHOOK_SECRET
from tests.worker.world import OWN, REPO, World

pytestmark = [pytest.mark.anyio, pytest.mark.services]

#: What the default branch owes when the App is installed: a TODO, an unpinned dependency, a pickled model.
OWED: dict[str, str | bytes] = {
    "prep.py": "# TODO: drop this workaround once the loader is fixed\nimport os\n",
    "requirements.txt": "numpy==1.26.4\npandas==2.2.2\nscikit-learn\n",
    "models/old.pkl": b"\x80\x04\x95" + bytes(range(200)),
}
OWED_RULES = {"CODE001", "DEP001", "MODEL001"}


def installed(world: World) -> Delivery:
    """GitHub's `installation.created` example, as the App's installation on `octo-org` with its repository."""
    payload = example_payload("installation/created.payload.json")
    payload["installation"].update(id=OWN, repository_selection="selected")
    payload["installation"]["account"]["login"] = "octo-org"
    payload["repositories"] = [
        {"id": world.repo_id, "node_id": "R_widgets", "name": "widgets", "full_name": REPO, "private": True}
    ]
    return Delivery("installation", payload, "install-delivery")


async def debtbot(*argv: str) -> int:
    """The command line, in a thread of its own (it runs its own event loop)."""
    return await asyncio.to_thread(main, list(argv))


async def repository_row(settings: Settings) -> Repository:
    engine = make_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return (await session.scalars(select(Repository))).one()
    finally:
        await engine.dispose()


async def test_an_installed_repository_is_scanned_once_whole_and_its_debt_booked_as_the_baseline(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    branch = Branch(world)
    head = branch.commit(OWED)
    files = len(fake.repository(REPO).commits[head])

    await deliver(client, installed(world))
    worker = await drain(settings, pool)

    assert (worker.jobs_complete, worker.jobs_failed) == (2, 0)  # the installation, then its repository's scan
    row = await repository_row(settings)
    assert (row.baseline_status, row.baseline_sha, row.baseline_error) == (BaselineStatus.COMPLETED, head, None)
    assert (row.baseline_files_done, row.baseline_files_total) == (files, files)
    assert row.baseline_completed_at is not None
    ledger = await read_ledger(settings)
    assert {i.rule for i in ledger.items} >= OWED_RULES
    assert {(i.source, i.state, i.accrued_sha, i.accrued_pr) for i in ledger.items} == {
        (LedgerSource.BASELINE, LedgerState.OPEN, head, None)
    }
    assert {i.rule: i.reach for i in ledger.items}["DEP001"] == files
    page = (await client.get("/")).text
    assert "Baseline scans" in page
    assert "0 pending, 0 in progress, 1 completed, 0 failed" in page

    # Installed again (GitHub sends a new delivery): a completed scan is not run twice.
    await deliver(client, dataclasses.replace(installed(world), delivery_id="install-again"))
    await drain(settings, pool)
    assert len((await read_ledger(settings)).events) == len(ledger.events)


@pytest.mark.parametrize("database_url", ["sqlite", pytest.param("postgresql", id="postgresql")], indirect=True)
async def test_the_baseline_is_paid_like_any_debt_and_never_booked_twice(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    branch = Branch(world)
    branch.commit(OWED)
    await deliver(client, installed(world))
    await drain(settings, pool)
    world.open_pull(7, {"prep.py": "import os\n"})
    await deliver(client, pull_request_delivery(world, 7))
    await drain(settings, pool)
    await deliver(client, merged_delivery(world, 7, merge_sha=branch.merge(7), merged_at=now()))
    await drain(settings, pool)

    assert await debtbot("baseline", REPO) == 0  # queued for the worker, with the settings the test gives the CLI
    worker = await drain(settings, pool)

    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    ledger = await read_ledger(settings)
    (todo,) = ledger.by_rule()["CODE001"]
    assert (todo.source, todo.state, todo.paid_pr) == (LedgerSource.BASELINE, LedgerState.PAID, 7)
    kinds = Counter(e.kind for e in ledger.events)
    assert kinds == {LedgerEventKind.ACCRUED: len(ledger.items), LedgerEventKind.PAID: 1}


async def test_the_scan_reads_texts_within_its_budget(
    *,
    world: World,
    fake: FakeGitHub,
    client: httpx.AsyncClient,
    pool: ArqRedis,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    Branch(world).commit({**OWED, **{f"src/m{i}.py": f"# TODO: item {i}\n" for i in range(6)}})
    monkeypatch.setattr(baseline, "BASELINE_BUDGET", dataclasses.replace(baseline.BASELINE_BUDGET, max_files=3))
    monkeypatch.setattr(baseline, "PROGRESS_EVERY", 2)

    await deliver(client, installed(world))
    await drain(settings, pool)

    contents = [r for r in fake.requests if r.operation_id == "repos/get-content" and "debtbot.yml" not in r.path]
    # Manifests first, then the other files rules read, by path: no more than the budget's three.
    assert {r.path.rsplit("/contents/", 1)[1] for r in contents} == {"requirements.txt", "README.md", "prep.py"}
    row = await repository_row(settings)
    assert (row.baseline_status, row.baseline_files_done) == (BaselineStatus.COMPLETED, row.baseline_files_total)
    ledger = await read_ledger(settings)
    assert "MODEL001" in {i.rule for i in ledger.items}  # a path rule sees every file, read or not
    assert len(ledger.by_rule().get("CODE001", [])) < 7  # TODOs of files it did not read are not known


async def test_a_scan_github_keeps_failing_is_marked_failed_with_why(
    world: World, fake: FakeGitHub, client: httpx.AsyncClient, pool: ArqRedis, settings: Settings
) -> None:
    Branch(world).commit(OWED)
    fake.fail("GET", r"/git/trees/", 502, times=None)

    await deliver(client, installed(world))
    await drain(settings, pool, dataclasses.replace(E2E_OPTIONS, max_tries=2))

    row = await repository_row(settings)
    assert row.baseline_status is BaselineStatus.FAILED
    assert row.baseline_error is not None
    assert "502" in row.baseline_error
    page = (await client.get("/")).text
    assert f"<th>Baseline of {REPO}</th><td>failed: " in page
    assert "0 pending, 0 in progress, 0 completed, 1 failed" in page


async def test_debtbot_baseline_now_scans_in_the_terminal(
    *,
    world: World,
    fake: FakeGitHub,
    client: httpx.AsyncClient,
    pool: ArqRedis,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await deliver(client, installed(world))
    await drain(settings, pool)
    head = Branch(world).commit(OWED)

    assert await debtbot("baseline", REPO.upper(), "--now") == 0

    out = capsys.readouterr().out
    files = len(fake.repository(REPO).commits[head])
    assert f"baseline of {REPO} completed at {head}: {files} of {files} files" in out
    assert {i.rule for i in (await read_ledger(settings)).items} >= OWED_RULES
    assert await debtbot("baseline", "octo-org/unknown", "--now") == 2


@pytest.fixture(autouse=True)
def cli_environment(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The CLI reads the same settings as the service under test, from the environment (read afresh)."""
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    values: dict[str, Any] = {
        "DEBTBOT_APP_ID": str(settings.app_id),
        "DEBTBOT_PRIVATE_KEY": shared_app_key().private_pem,
        "DEBTBOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "DEBTBOT_GITHUB_API_URL": settings.github_api_url,
        "DEBTBOT_DATABASE_URL": settings.database_url.get_secret_value(),
        "DEBTBOT_QUEUE_NAME": settings.queue_name,
    }
    if settings.redis_url is not None:
        values["DEBTBOT_REDIS_URL"] = settings.redis_url.get_secret_value()
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
