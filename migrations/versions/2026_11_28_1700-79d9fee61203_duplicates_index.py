"""An index on hazards.duplicate_of: a hazard's record lists the reports merged into it.

Partial: nearly every row has no duplicate_of, and only the few that do are looked up.

Revision ID: 79d9fee61203
Revises: b41c7e2d9a10
Create Date: 2026-11-28 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "79d9fee61203"
down_revision: str | None = "b41c7e2d9a10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_hazards_duplicate_of",
        "hazards",
        ["duplicate_of"],
        postgresql_where=sa.text("duplicate_of IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_hazards_duplicate_of", table_name="hazards")
