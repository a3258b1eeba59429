"""Initial schema: installations, repositories, deliveries, pull requests, review runs, findings, posted comments.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

Written against the models of that day and frozen: a migration never imports the models, which move on.
Enumerations are VARCHAR(32) (the models check the values), so adding a value needs no migration.
Surrogate ids are BIGINT, but INTEGER on SQLite, which auto-increments only a column declared INTEGER.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENUM = sa.String(32)
NAME = sa.String(255)
SHA = sa.String(64)
GITHUB_ID = sa.BigInteger()
SURROGATE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _surrogate_id() -> sa.Column[int]:
    return sa.Column("id", SURROGATE, autoincrement=True, nullable=False)


def upgrade() -> None:
    op.create_table(
        "installations",
        sa.Column("id", GITHUB_ID, autoincrement=False, nullable=False),
        sa.Column("account_login", NAME, nullable=False),
        sa.Column("account_type", sa.String(32), nullable=False),
        sa.Column("repository_selection", ENUM, nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installations")),
    )
    op.create_index(op.f("ix_installations_account_login"), "installations", ["account_login"])

    op.create_table(
        "repositories",
        sa.Column("id", GITHUB_ID, autoincrement=False, nullable=False),
        sa.Column("installation_id", GITHUB_ID, nullable=False),
        sa.Column("full_name", NAME, nullable=False),
        sa.Column("default_branch", NAME, nullable=True),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("baseline_status", ENUM, nullable=False),
        _timestamp("removed_at", nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_repositories_installation_id_installations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repositories")),
    )
    op.create_index(op.f("ix_repositories_full_name"), "repositories", ["full_name"])
    op.create_index(op.f("ix_repositories_installation_id"), "repositories", ["installation_id"])

    op.create_table(
        "deliveries",
        sa.Column("delivery_id", sa.String(64), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=True),
        sa.Column("installation_id", GITHUB_ID, nullable=True),
        _timestamp("received_at"),
        sa.Column("outcome", ENUM, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("job_id", NAME, nullable=True),
        sa.PrimaryKeyConstraint("delivery_id", name=op.f("pk_deliveries")),
    )
    op.create_index(op.f("ix_deliveries_installation_id"), "deliveries", ["installation_id"])
    op.create_index(op.f("ix_deliveries_received_at"), "deliveries", ["received_at"])

    op.create_table(
        "pull_requests",
        _surrogate_id(),
        sa.Column("repo_id", GITHUB_ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author", NAME, nullable=False),
        sa.Column("base_ref", NAME, nullable=False),
        sa.Column("head_sha", SHA, nullable=False),
        sa.Column("state", ENUM, nullable=False),
        sa.Column("merged", sa.Boolean(), nullable=False),
        _timestamp("merged_at", nullable=True),
        sa.Column("merge_commit_sha", SHA, nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pull_requests")),
        sa.UniqueConstraint("repo_id", "number", name=op.f("uq_pull_requests_repo_id_number")),
    )

    op.create_table(
        "review_runs",
        _surrogate_id(),
        sa.Column("repo_id", GITHUB_ID, nullable=False),
        sa.Column("pr_number", sa.Integer(), nullable=False),
        sa.Column("head_sha", SHA, nullable=False),
        sa.Column("job_id", NAME, nullable=True),
        sa.Column("trigger_delivery_id", sa.String(64), nullable=True),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("conclusion", sa.String(32), nullable=True),
        sa.Column("check_run_id", GITHUB_ID, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _timestamp("created_at"),
        _timestamp("started_at", nullable=True),
        _timestamp("completed_at", nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("findings_count", sa.Integer(), nullable=False),
        sa.Column("paid_count", sa.Integer(), nullable=False),
        sa.Column("effort_minutes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_runs")),
        sa.UniqueConstraint("job_id", name=op.f("uq_review_runs_job_id")),
    )
    op.create_index(op.f("ix_review_runs_repo_id_head_sha"), "review_runs", ["repo_id", "head_sha"])
    op.create_index(op.f("ix_review_runs_repo_id_pr_number"), "review_runs", ["repo_id", "pr_number"])

    op.create_table(
        "findings",
        _surrogate_id(),
        sa.Column("run_id", SURROGATE, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(16), nullable=False),
        sa.Column("slug", NAME, nullable=False),
        sa.Column("category", ENUM, nullable=False),
        sa.Column("severity", ENUM, nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("end_line", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("effort_minutes", sa.Integer(), nullable=False),
        sa.Column("state", ENUM, nullable=False),
        sa.Column("acknowledged_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["review_runs.id"], name=op.f("fk_findings_run_id_review_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    op.create_index(op.f("ix_findings_fingerprint"), "findings", ["fingerprint"])
    op.create_index(op.f("ix_findings_run_id"), "findings", ["run_id"])

    op.create_table(
        "posted_comments",
        _surrogate_id(),
        sa.Column("repo_id", GITHUB_ID, nullable=False),
        sa.Column("pr_number", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("github_comment_id", GITHUB_ID, nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posted_comments")),
        sa.UniqueConstraint(
            "repo_id",
            "pr_number",
            "fingerprint",
            "kind",
            name=op.f("uq_posted_comments_repo_id_pr_number_fingerprint_kind"),
        ),
    )


def downgrade() -> None:
    # Dependents first: findings reference review runs, repositories reference installations.
    tables = (
        "posted_comments",
        "findings",
        "review_runs",
        "pull_requests",
        "deliveries",
        "repositories",
        "installations",
    )
    for table in tables:
        op.drop_table(table)
