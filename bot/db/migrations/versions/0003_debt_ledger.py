"""The debt ledger: ledger items and their events, accepted debt, weekly reports; findings keep their hits.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

Findings stored before this revision have no hits recorded (`occurrences` is `[]`): the ledger books such a
finding as one item under the finding's own fingerprint.
Plain ALTER TABLE on SQLite too, for the reason 0002 gives (batch mode would drop `review_runs`' findings).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENUM = sa.String(32)
NAME = sa.String(255)
SHA = sa.String(64)
GITHUB_ID = sa.BigInteger()
SURROGATE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_BASELINE_COLUMNS = (
    ("baseline_files_total", sa.Integer(), "0"),
    ("baseline_files_done", sa.Integer(), "0"),
)


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _surrogate_id() -> sa.Column[int]:
    return sa.Column("id", SURROGATE, autoincrement=True, nullable=False)


def upgrade() -> None:
    op.add_column("findings", sa.Column("occurrences", sa.JSON(), nullable=False, server_default="[]"))
    for name, type_, default in _BASELINE_COLUMNS:
        op.add_column("repositories", sa.Column(name, type_, nullable=False, server_default=default))
    op.add_column("repositories", sa.Column("baseline_sha", SHA, nullable=True))
    op.add_column("repositories", sa.Column("baseline_error", sa.Text(), nullable=True))
    op.add_column("repositories", _timestamp("baseline_completed_at", nullable=True))
    op.add_column("repositories", sa.Column("report_issue_number", sa.Integer(), nullable=True))

    op.create_table(
        "ledger_items",
        _surrogate_id(),
        sa.Column("repo_id", GITHUB_ID, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(16), nullable=False),
        sa.Column("slug", NAME, nullable=False),
        sa.Column("category", ENUM, nullable=False),
        sa.Column("severity", ENUM, nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("effort_minutes", sa.Integer(), nullable=False),
        sa.Column("reach", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("state", ENUM, nullable=False),
        sa.Column("source", ENUM, nullable=False),
        _timestamp("accrued_at"),
        sa.Column("accrued_pr", sa.Integer(), nullable=True),
        sa.Column("accrued_by", NAME, nullable=True),
        sa.Column("accrued_sha", SHA, nullable=True),
        _timestamp("paid_at", nullable=True),
        sa.Column("paid_pr", sa.Integer(), nullable=True),
        sa.Column("paid_by", NAME, nullable=True),
        sa.Column("paid_sha", SHA, nullable=True),
        sa.Column("accepted_reason", sa.Text(), nullable=True),
        sa.Column("accepted_until", sa.Date(), nullable=True),
        sa.Column("accepted_by", NAME, nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_items")),
        sa.UniqueConstraint("repo_id", "fingerprint", name=op.f("uq_ledger_items_repo_id_fingerprint")),
    )
    op.create_index(op.f("ix_ledger_items_repo_id_state"), "ledger_items", ["repo_id", "state"])

    op.create_table(
        "ledger_events",
        _surrogate_id(),
        sa.Column("repo_id", GITHUB_ID, nullable=False),
        sa.Column("item_id", SURROGATE, nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("source", ENUM, nullable=False),
        sa.Column("category", ENUM, nullable=False),
        sa.Column("effort_minutes", sa.Integer(), nullable=False),
        _timestamp("at"),
        sa.Column("pr_number", sa.Integer(), nullable=True),
        sa.Column("actor", NAME, nullable=True),
        sa.Column("sha", SHA, nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ledger_items.id"], name=op.f("fk_ledger_events_item_id_ledger_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_events")),
    )
    op.create_index(op.f("ix_ledger_events_repo_id_at"), "ledger_events", ["repo_id", "at"])
    op.create_index(op.f("ix_ledger_events_item_id"), "ledger_events", ["item_id"])

    op.create_table(
        "accepted_debts",
        _surrogate_id(),
        sa.Column("repo_id", GITHUB_ID, nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("accepted_by", NAME, nullable=False),
        sa.Column("pr_number", sa.Integer(), nullable=True),
        sa.Column("comment_id", GITHUB_ID, nullable=True),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accepted_debts")),
        sa.UniqueConstraint("comment_id", name=op.f("uq_accepted_debts_comment_id")),
    )
    op.create_index(op.f("ix_accepted_debts_repo_id"), "accepted_debts", ["repo_id"])

    op.create_table(
        "weekly_reports",
        _surrogate_id(),
        sa.Column("repo_id", GITHUB_ID, nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("issue_number", sa.Integer(), nullable=True),
        sa.Column("comment_id", GITHUB_ID, nullable=True),
        _timestamp("created_at"),
        _timestamp("posted_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_reports")),
        sa.UniqueConstraint("repo_id", "week", name=op.f("uq_weekly_reports_repo_id_week")),
    )


def downgrade() -> None:
    op.drop_table("weekly_reports")
    op.drop_index(op.f("ix_accepted_debts_repo_id"), table_name="accepted_debts")
    op.drop_table("accepted_debts")
    op.drop_index(op.f("ix_ledger_events_item_id"), table_name="ledger_events")
    op.drop_index(op.f("ix_ledger_events_repo_id_at"), table_name="ledger_events")
    op.drop_table("ledger_events")
    op.drop_index(op.f("ix_ledger_items_repo_id_state"), table_name="ledger_items")
    op.drop_table("ledger_items")
    for column in ("report_issue_number", "baseline_completed_at", "baseline_error", "baseline_sha"):
        op.drop_column("repositories", column)
    for name, _, _ in reversed(_BASELINE_COLUMNS):
        op.drop_column("repositories", name)
    op.drop_column("findings", "occurrences")
