"""Notifications: one row per event and recipient, written in the transaction of the change.

Revision ID: b3f1e6a2c9d8
Revises: 7a3e9c51d0b4
Create Date: 2026-12-06 20:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3f1e6a2c9d8"
down_revision: str | None = "7a3e9c51d0b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = "event IN ('created', 'claimed', 'rectified', 'listed', 'delisted')"


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("hazard_id", sa.BigInteger(), nullable=True),
        sa.Column("county_code", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(EVENTS, name=op.f("ck_notifications_event")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"], ["hazards.id"], name=op.f("fk_notifications_hazard_id_hazards"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "ix_notifications_unread", "notifications", ["user_id"], postgresql_where=sa.text("read_at IS NULL")
    )
    op.create_index("ix_notifications_user_id_id", "notifications", ["user_id", "id"])


def downgrade() -> None:
    op.drop_table("notifications")
