"""Notifications of deadlines and accident-prone candidates: told once, and pointing to a candidate.

- ``event`` takes ``due_soon``, ``overdue`` and ``candidate``.
- ``candidate_id``: the accident-prone candidate a ``candidate`` notification is about (set NULL when
  a later detection run replaces the pending candidates; the county stays on the row).
- ``once_key``: what a notification is about, for the events told once only (``due_soon:<hazard>:<due
  day>``, ``overdue:<hazard>:<due day>``, ``candidate:<road>:<kind>:<from>:<to>``); unique per user,
  so that a periodic job run again, or by two workers at once, tells nobody twice.

Revision ID: e7c4a2d95b1f
Revises: zv1ab9c0d4e2
Create Date: 2026-12-06 21:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7c4a2d95b1f"
down_revision: str | None = "zv1ab9c0d4e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "event IN ('created', 'claimed', 'rectified', 'listed', 'delisted')"
AFTER = "event IN ('created', 'claimed', 'rectified', 'listed', 'delisted', 'due_soon', 'overdue', 'candidate')"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_notifications_event"), "notifications", type_="check")
    op.create_check_constraint(op.f("ck_notifications_event"), "notifications", AFTER)
    op.add_column("notifications", sa.Column("candidate_id", sa.BigInteger(), nullable=True))
    op.add_column("notifications", sa.Column("once_key", sa.String(length=96), nullable=True))
    op.create_foreign_key(
        op.f("fk_notifications_candidate_id_accident_prone_candidates"),
        "notifications",
        "accident_prone_candidates",
        ["candidate_id"],
        ["id"],
        ondelete="SET NULL",
    )
    # A detection run deletes the pending candidates: their notifications are found by this index.
    op.create_index(
        "ix_notifications_candidate_id",
        "notifications",
        ["candidate_id"],
        postgresql_where=sa.text("candidate_id IS NOT NULL"),
    )
    op.create_index(
        "uq_notifications_user_id_once_key",
        "notifications",
        ["user_id", "once_key"],
        unique=True,
        postgresql_where=sa.text("once_key IS NOT NULL"),
    )


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE event IN ('due_soon', 'overdue', 'candidate')")
    op.drop_index("uq_notifications_user_id_once_key", table_name="notifications")
    op.drop_index("ix_notifications_candidate_id", table_name="notifications")
    op.drop_constraint(
        op.f("fk_notifications_candidate_id_accident_prone_candidates"), "notifications", type_="foreignkey"
    )
    op.drop_column("notifications", "once_key")
    op.drop_column("notifications", "candidate_id")
    op.drop_constraint(op.f("ck_notifications_event"), "notifications", type_="check")
    op.create_check_constraint(op.f("ck_notifications_event"), "notifications", BEFORE)
