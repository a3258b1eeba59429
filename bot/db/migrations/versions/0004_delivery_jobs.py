"""Deliveries keep the job they queued (its function and argument), so a job Redis lost can be queued again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

Deliveries recorded before this revision keep no job: they are never queued again. Plain ALTER TABLE on SQLite
too, for the reason 0002 gives.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("job_name", sa.String(64), nullable=True))
    op.add_column("deliveries", sa.Column("job_payload", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("deliveries", "job_payload")
    op.drop_column("deliveries", "job_name")
