"""`debtbot report OWNER/REPO`: as a real process against a real database, and its usage errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.__main__ import main
from bot.db import store
from bot.db.models import LedgerSource, RepositorySelection
from bot.ledger import book
from bot.ledger.history import IsoWeek
from checks.finding import Category, Severity

REPO_ID = 4711
W45 = IsoWeek(2026, 45)


def debtbot(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DEBTBOT_DATABASE_URL": database_url,
        "DEBTBOT_DATA_DIR": str(tmp_path / "data"),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "report", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
async def ledger(sessions: async_sessionmaker[AsyncSession]) -> None:
    """octo-org/widgets: a baseline in October, a merge and a payment in 2026-W45."""
    async with sessions.begin() as session:
        await store.upsert_installation(
            session,
            installation_id=1,
            account_login="octo-org",
            account_type="Organization",
            repository_selection=RepositorySelection.ALL,
        )
        info = store.RepositoryInfo(id=REPO_ID, full_name="octo-org/widgets", private=True, default_branch="main")
        await store.upsert_repositories(session, 1, [info])
        debts = [
            book.Debt(
                f"f{i}", "DEP001", "unpinned", Category.DEPENDENCY, Severity.HIGH, "requirements.txt", i + 1, "x", 20
            )
            for i in range(3)
        ]
        await book.accrue(
            session, REPO_ID, debts[:2], book.Attribution(datetime(2026, 10, 1, tzinfo=UTC), LedgerSource.BASELINE)
        )
        merged = book.Attribution(W45.start + timedelta(days=1), LedgerSource.PULL_REQUEST, 9, "alice", "a" * 40)
        await book.accrue(session, REPO_ID, debts[2:], merged)
        await book.pay(session, REPO_ID, ["f0"], merged)


@pytest.mark.anyio
async def test_markdown_of_a_week(ledger: None, database_url: str, tmp_path: Path) -> None:
    done = debtbot(database_url, tmp_path, "octo-org/widgets", "--week", "2026-W45")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("<!-- debtbot:weekly-report week=2026-W45 -->\n## Debt report: 2026-W45\n")
    assert "```mermaid\nxychart-beta\n" in done.stdout
    assert "| dependency | 20 min | 20 min | — | 40 min |" in done.stdout
    assert "(https://github.com/octo-org/widgets/blob/" + "a" * 40 + "/requirements.txt#L3)" in done.stdout


@pytest.mark.anyio
async def test_json_and_a_name_in_other_case(ledger: None, database_url: str, tmp_path: Path) -> None:
    done = debtbot(database_url, tmp_path, "Octo-Org/Widgets", "--week", "2026-W45", "--format", "json")

    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["repository"], data["week"], data["timezone"]) == ("octo-org/widgets", "2026-W45", "UTC")
    assert (data["added"], data["paid"], data["net"], data["owed"]) == (20, 20, 0, 40)
    assert [p["owed"] for p in data["trend"]][-3:] == [40, 40, 40]
    assert data["pull_requests"] == [
        {
            "number": 9,
            "author": "alice",
            "added": 20,
            "paid": 20,
            "net": 0,
            "url": "https://github.com/octo-org/widgets/pull/9",
        }
    ]


@pytest.mark.anyio
async def test_the_default_week_is_the_last_complete_one_and_a_timezone_is_taken(
    ledger: None, database_url: str, tmp_path: Path
) -> None:
    done = debtbot(database_url, tmp_path, "octo-org/widgets", "--format", "json", "--timezone", "Asia/Tokyo")

    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["week"] in {str(IsoWeek.of(datetime.now(UTC) + timedelta(hours=h)) - 1) for h in (0, 9)}
    assert data["timezone"] == "Asia/Tokyo"
    assert data["starts"].endswith("+09:00")


@pytest.mark.anyio
async def test_an_unknown_repository_exits_2_with_a_message(ledger: None, database_url: str, tmp_path: Path) -> None:
    done = debtbot(database_url, tmp_path, "octo-org/unknown")

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("debtbot: error: unknown repository 'octo-org/unknown'"), done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "2026-W60"], "--week: 2026 has no week 60"),
        (["--week", "last"], "--week: not an ISO week"),
        (["--timezone", "Mars/Base"], "--timezone: unknown timezone 'Mars/Base'"),
    ],
)
def test_a_bad_week_or_timezone_exits_2_with_a_message(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "octo-org/widgets", *args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"debtbot: error: {message}"), err
