"""What the status page says of the baseline scans: how many stand where, and the running and failed ones by name."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import store
from bot.db.models import BaselineStatus, Repository, RepositorySelection
from bot.ledger.progress import baseline_overview

pytestmark = pytest.mark.anyio


async def test_running_and_failed_scans_are_listed_by_name(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await store.upsert_installation(
            session,
            installation_id=1,
            account_login="octo-org",
            account_type="Organization",
            repository_selection=RepositorySelection.ALL,
        )
        names = ["octo-org/a", "octo-org/b", "octo-org/c", "octo-org/d", "octo-org/gone"]
        await store.upsert_repositories(
            session, 1, [store.RepositoryInfo(id=i, full_name=n, private=True) for i, n in enumerate(names, 1)]
        )
        await session.execute(
            update(Repository)
            .where(Repository.id == 2)
            .values(baseline_status=BaselineStatus.IN_PROGRESS, baseline_files_done=120, baseline_files_total=400)
        )
        await session.execute(
            update(Repository)
            .where(Repository.id == 3)
            .values(baseline_status=BaselineStatus.FAILED, baseline_error="GitHub kept failing (502)")
        )
        await session.execute(
            update(Repository).where(Repository.id == 4).values(baseline_status=BaselineStatus.COMPLETED)
        )
        await store.change_installation_repositories(session, 1, removed=[5])

    async with sessions() as session:
        overview = await baseline_overview(session)

    assert overview.rows() == [
        ("Baseline scans", "1 pending, 1 in progress, 1 completed, 1 failed"),
        ("Baseline of octo-org/b", "in progress: 120 of 400 files"),
        ("Baseline of octo-org/c", "failed: GitHub kept failing (502)"),
    ]
