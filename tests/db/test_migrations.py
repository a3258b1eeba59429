"""Migrations: from empty to head and back on SQLite and PostgreSQL, matching the models exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from bot.db.engine import (
    database_revisions,
    downgrade,
    head_revisions,
    make_engine,
    schema_is_current,
    upgrade,
)
from bot.db.models import Base

pytestmark = pytest.mark.anyio

TABLES = {
    "installations",
    "repositories",
    "deliveries",
    "pull_requests",
    "review_runs",
    "findings",
    "posted_comments",
    "ledger_items",
    "ledger_events",
    "accepted_debts",
    "weekly_reports",
}


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def test_there_is_one_head() -> None:
    assert len(head_revisions()) == 1


async def test_upgrade_from_empty_to_head_makes_the_schema_current(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert not await schema_is_current(engine)
        assert await database_revisions(engine) == frozenset()

        await upgrade(database_url)

        assert await schema_is_current(engine)
        assert await database_revisions(engine) == head_revisions()
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == TABLES | {"alembic_version"}
    finally:
        await engine.dispose()


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    await upgrade(database_url)
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def test_upgrade_is_idempotent_and_downgrade_empties(database_url: str) -> None:
    await upgrade(database_url)
    await upgrade(database_url)
    engine = make_engine(database_url)
    try:
        assert await schema_is_current(engine)

        await downgrade(database_url, "base")

        assert not await schema_is_current(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == {"alembic_version"}
    finally:
        await engine.dispose()


async def test_a_database_at_another_revision_is_not_current(database_url: str) -> None:
    """What a web app or worker built from older or newer code sees: a revision it does not know."""
    await upgrade(database_url)
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffffffffffff'")

        assert not await schema_is_current(engine)
        assert await database_revisions(engine) == frozenset({"ffffffffffff"})
    finally:
        await engine.dispose()


async def test_0002_counts_no_annotation_batches_for_earlier_runs_and_drops_the_count_again(database_url: str) -> None:
    """From 0001 with a run and its finding in it, to head and back: the run and its finding stay."""
    await upgrade(database_url, "0001")
    engine = make_engine(database_url)
    run = (
        "INSERT INTO review_runs (repo_id, pr_number, head_sha, job_id, status, attempts, created_at,"
        " findings_count, paid_count, effort_minutes)"
        " VALUES (1, 7, 'abc', 'review:1:7:abc', 'in_progress', 1, '2026-11-26 09:00:00', 1, 0, 30)"
    )
    finding = (
        "INSERT INTO findings (run_id, fingerprint, rule, slug, category, severity, path, message, effort_minutes,"
        " state) SELECT id, 'fp', 'CODE001', 'todo-comment', 'code', 'low', 'a.py', 'TODO', 30, 'new' FROM review_runs"
    )
    count = "SELECT annotation_batches_sent FROM review_runs"
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql(run)
            await connection.exec_driver_sql(finding)

        await upgrade(database_url)
        async with engine.connect() as connection:
            counted = (await connection.exec_driver_sql(count)).scalars().all()
            columns = await connection.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("review_runs")}
            )
        await downgrade(database_url, "0001")
        async with engine.connect() as connection:
            columns_after = await connection.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("review_runs")}
            )
            findings = (await connection.exec_driver_sql("SELECT count(*) FROM findings")).scalar_one()
        revisions = await database_revisions(engine)
    finally:
        await engine.dispose()

    assert counted == [0]
    assert "annotation_batches_sent" in columns
    assert "annotation_batches_sent" not in columns_after
    assert findings == 1  # the run was not copied over and dropped (which would cascade to its findings)
    assert revisions == frozenset({"0001"})
