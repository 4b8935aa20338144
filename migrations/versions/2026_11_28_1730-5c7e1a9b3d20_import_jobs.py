"""Bulk import jobs: the file, its options, progress, counts and the refused rows.

Revision ID: 5c7e1a9b3d20
Revises: 5c0e7f3a9d21
Create Date: 2026-11-28 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5c7e1a9b3d20"
down_revision: str | None = "5c0e7f3a9d21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The ledger number's serial was lpad(n, 4): the 10,000th hazard of a county in a year was cut to
# "1000" and collided with the thousandth (a bulk import gets there). Numbers now grow past 9999.
ASSIGN_NEW = """CREATE OR REPLACE FUNCTION hazards_assign() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        anchor geometry := CASE WHEN ST_GeometryType(NEW.geom) = 'ST_Point' THEN NEW.geom
                                ELSE ST_LineInterpolatePoint(NEW.geom, 0.5) END;
        yr smallint;
        n integer;
    BEGIN
        IF NEW.county_code IS NULL THEN
            SELECT j.code INTO NEW.county_code FROM jurisdictions j
             WHERE j.level = 'county' AND j.geom IS NOT NULL AND ST_Covers(j.geom, anchor)
             ORDER BY j.code LIMIT 1;
            IF NEW.county_code IS NULL THEN
                -- On the border: the nearest county within 500 m (outlines are simplified).
                SELECT j.code INTO NEW.county_code FROM jurisdictions j
                 WHERE j.level = 'county' AND j.geom IS NOT NULL
                   AND ST_DWithin(j.geom::geography, anchor::geography, 500)
                 ORDER BY ST_Distance(j.geom::geography, anchor::geography) LIMIT 1;
            END IF;
            IF NEW.county_code IS NULL THEN
                RAISE EXCEPTION 'location % is outside every county', ST_AsText(anchor)
                    USING ERRCODE = 'HM001';
            END IF;
        END IF;
        IF NEW.township_code IS NULL THEN
            SELECT j.code INTO NEW.township_code FROM jurisdictions j
             WHERE j.level = 'township' AND j.parent_code = NEW.county_code
               AND j.geom IS NOT NULL AND ST_Covers(j.geom, anchor)
             LIMIT 1;
            IF NEW.township_code IS NULL THEN
                -- No township outlines are published: take the nearest township seat.
                SELECT j.code INTO NEW.township_code FROM jurisdictions j
                 WHERE j.level = 'township' AND j.parent_code = NEW.county_code AND j.centre IS NOT NULL
                 ORDER BY j.centre <-> anchor LIMIT 1;
            END IF;
        END IF;
        IF NEW.ledger_no IS NULL THEN
            yr := extract(year FROM coalesce(NEW.reported_at, now()) AT TIME ZONE 'Asia/Shanghai');
            INSERT INTO ledger_counters AS c (county_code, year, last_value)
                 VALUES (NEW.county_code, yr, 1)
            ON CONFLICT (county_code, year) DO UPDATE SET last_value = c.last_value + 1
            RETURNING last_value INTO n;
            NEW.ledger_no := NEW.county_code || '-' || yr || '-' || CASE WHEN n < 10000 THEN lpad(n::text, 4, '0') ELSE n::text END;
        END IF;
        RETURN NEW;
    END $$"""

ASSIGN_OLD = """CREATE OR REPLACE FUNCTION hazards_assign() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        anchor geometry := CASE WHEN ST_GeometryType(NEW.geom) = 'ST_Point' THEN NEW.geom
                                ELSE ST_LineInterpolatePoint(NEW.geom, 0.5) END;
        yr smallint;
        n integer;
    BEGIN
        IF NEW.county_code IS NULL THEN
            SELECT j.code INTO NEW.county_code FROM jurisdictions j
             WHERE j.level = 'county' AND j.geom IS NOT NULL AND ST_Covers(j.geom, anchor)
             ORDER BY j.code LIMIT 1;
            IF NEW.county_code IS NULL THEN
                -- On the border: the nearest county within 500 m (outlines are simplified).
                SELECT j.code INTO NEW.county_code FROM jurisdictions j
                 WHERE j.level = 'county' AND j.geom IS NOT NULL
                   AND ST_DWithin(j.geom::geography, anchor::geography, 500)
                 ORDER BY ST_Distance(j.geom::geography, anchor::geography) LIMIT 1;
            END IF;
            IF NEW.county_code IS NULL THEN
                RAISE EXCEPTION 'location % is outside every county', ST_AsText(anchor)
                    USING ERRCODE = 'HM001';
            END IF;
        END IF;
        IF NEW.township_code IS NULL THEN
            SELECT j.code INTO NEW.township_code FROM jurisdictions j
             WHERE j.level = 'township' AND j.parent_code = NEW.county_code
               AND j.geom IS NOT NULL AND ST_Covers(j.geom, anchor)
             LIMIT 1;
            IF NEW.township_code IS NULL THEN
                -- No township outlines are published: take the nearest township seat.
                SELECT j.code INTO NEW.township_code FROM jurisdictions j
                 WHERE j.level = 'township' AND j.parent_code = NEW.county_code AND j.centre IS NOT NULL
                 ORDER BY j.centre <-> anchor LIMIT 1;
            END IF;
        END IF;
        IF NEW.ledger_no IS NULL THEN
            yr := extract(year FROM coalesce(NEW.reported_at, now()) AT TIME ZONE 'Asia/Shanghai');
            INSERT INTO ledger_counters AS c (county_code, year, last_value)
                 VALUES (NEW.county_code, yr, 1)
            ON CONFLICT (county_code, year) DO UPDATE SET last_value = c.last_value + 1
            RETURNING last_value INTO n;
            NEW.ledger_no := NEW.county_code || '-' || yr || '-' || lpad(n::text, 4, '0');
        END IF;
        RETURN NEW;
    END $$"""


def upgrade() -> None:
    op.execute(ASSIGN_NEW)
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("options", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=12), server_default="queued", nullable=False),
        sa.Column("stage", sa.Text(), nullable=True),
        sa.Column("progress", sa.Float(), server_default="0", nullable=False),
        sa.Column("rows_read", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_valid", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_refused", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_written", sa.Integer(), server_default="0", nullable=False),
        sa.Column("report", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("progress BETWEEN 0 AND 1", name=op.f("ck_import_jobs_progress")),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed')", name=op.f("ck_import_jobs_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    op.create_index(op.f("ix_import_jobs_status"), "import_jobs", ["status"], unique=False)


def downgrade() -> None:
    op.execute(ASSIGN_OLD)
    op.drop_index(op.f("ix_import_jobs_status"), table_name="import_jobs")
    op.drop_table("import_jobs")
