"""Accounts hardening: failed-login counters shared by every web process; display keys for the wall.

Revision ID: 5ec0a11d3b7e
Revises: 5c0a7e31d2f4
Create Date: 2026-12-06 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5ec0a11d3b7e"
down_revision: str | None = "5c0a7e31d2f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = "role IN ('admin', 'commander', 'county_officer', 'verifier', 'viewer', 'agency')"
NEW_ROLES = "role IN ('admin', 'commander', 'county_officer', 'verifier', 'viewer', 'agency', 'display')"


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        # 'login' (the login name typed) or 'address' (the client's IP address)
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("scope IN ('login', 'address')", name=op.f("ck_login_throttle_scope")),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_login_throttle")),
    )
    # A display key (role 'display') shows the wall and nothing else.
    op.drop_constraint(op.f("ck_api_keys_role"), "api_keys", type_="check")
    op.create_check_constraint(op.f("ck_api_keys_role"), "api_keys", NEW_ROLES)
    op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
    op.create_check_constraint(op.f("ck_users_role"), "users", NEW_ROLES)


def downgrade() -> None:
    op.execute("UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()), role = 'agency' WHERE role = 'display'")
    op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
    op.create_check_constraint(op.f("ck_users_role"), "users", OLD_ROLES)
    op.drop_constraint(op.f("ck_api_keys_role"), "api_keys", type_="check")
    op.create_check_constraint(op.f("ck_api_keys_role"), "api_keys", OLD_ROLES)
    op.drop_table("login_throttle")
