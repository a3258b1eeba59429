"""Review runs count the annotation batches their check run was sent, so a retried job sends only the rest.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

Runs recorded before this revision count none: a retry of one of them sends every batch again, as before.
Plain ALTER TABLE on SQLite too (3.35 and later drop a column in place): batch mode would copy the table and
drop the original, and with foreign keys on, dropping `review_runs` deletes every finding (ON DELETE CASCADE).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("review_runs", sa.Column("annotation_batches_sent", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("review_runs", "annotation_batches_sent")
