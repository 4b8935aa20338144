"""Category administration (category_events, append-only) and one hazard_place() for the trigger and the service.

Revision ID: c7d4e1a9b3f2
Revises: 5c7e1a9b3d20
Create Date: 2026-11-28 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c7d4e1a9b3f2"
down_revision: str | None = "5c7e1a9b3d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Where a geometry lies: the anchor is the point, or a segment's midpoint; the county whose outline
# covers it, else the nearest county within 500 m (outlines are simplified); the township of that
# county whose outline covers it, else the nearest township seat. A county given by the caller is kept
# and the township looked up in it. The one place these rules are written (trigger and app.hazards).
HAZARD_PLACE = """CREATE FUNCTION hazard_place(g geometry, given_county text DEFAULT NULL,
                             OUT county_code text, OUT township_code text)
    LANGUAGE plpgsql STABLE AS $$
    DECLARE
        anchor geometry := CASE WHEN ST_GeometryType(g) = 'ST_Point' THEN g
                                ELSE ST_LineInterpolatePoint(g, 0.5) END;
    BEGIN
        county_code := given_county;
        IF county_code IS NULL THEN
            SELECT j.code INTO county_code FROM jurisdictions j
             WHERE j.level = 'county' AND j.geom IS NOT NULL AND ST_Covers(j.geom, anchor)
             ORDER BY j.code LIMIT 1;
        END IF;
        IF county_code IS NULL THEN
            SELECT j.code INTO county_code FROM jurisdictions j
             WHERE j.level = 'county' AND j.geom IS NOT NULL
               AND ST_DWithin(j.geom::geography, anchor::geography, 500)
             ORDER BY ST_Distance(j.geom::geography, anchor::geography) LIMIT 1;
        END IF;
        IF county_code IS NULL THEN
            RETURN;
        END IF;
        SELECT j.code INTO township_code FROM jurisdictions j
         WHERE j.level = 'township' AND j.parent_code = county_code
           AND j.geom IS NOT NULL AND ST_Covers(j.geom, anchor)
         ORDER BY j.code LIMIT 1;
        IF township_code IS NULL THEN
            -- No township outlines are published: take the nearest township seat.
            SELECT j.code INTO township_code FROM jurisdictions j
             WHERE j.level = 'township' AND j.parent_code = county_code AND j.centre IS NOT NULL
             ORDER BY j.centre <-> anchor LIMIT 1;
        END IF;
    END $$"""


def _assign(declare: str, place: str) -> str:
    return f"""CREATE OR REPLACE FUNCTION hazards_assign() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        yr smallint;
        n integer;
        {declare}
    BEGIN
        {place}
        IF NEW.ledger_no IS NULL THEN
            yr := extract(year FROM coalesce(NEW.reported_at, now()) AT TIME ZONE 'Asia/Shanghai');
            INSERT INTO ledger_counters AS c (county_code, year, last_value)
                 VALUES (NEW.county_code, yr, 1)
            ON CONFLICT (county_code, year) DO UPDATE SET last_value = c.last_value + 1
            RETURNING last_value INTO n;
            -- Past 9999 the serial grows (migration import_jobs); lpad would cut it.
            NEW.ledger_no := NEW.county_code || '-' || yr || '-'
                || CASE WHEN n < 10000 THEN lpad(n::text, 4, '0') ELSE n::text END;
        END IF;
        RETURN NEW;
    END $$"""


PLACE_CALL = """IF NEW.county_code IS NULL OR NEW.township_code IS NULL THEN
            SELECT * INTO p FROM hazard_place(NEW.geom, NEW.county_code);
            IF p.county_code IS NULL THEN
                RAISE EXCEPTION 'location % is outside every county',
                    ST_AsText(CASE WHEN ST_GeometryType(NEW.geom) = 'ST_Point' THEN NEW.geom
                                   ELSE ST_LineInterpolatePoint(NEW.geom, 0.5) END)
                    USING ERRCODE = 'HM001';
            END IF;
            NEW.county_code := p.county_code;
            NEW.township_code := coalesce(NEW.township_code, p.township_code);
        END IF;"""

# The foundation's own lookup, for the downgrade.
ANCHOR_INLINE = """anchor geometry := CASE WHEN ST_GeometryType(NEW.geom) = 'ST_Point' THEN NEW.geom
                                ELSE ST_LineInterpolatePoint(NEW.geom, 0.5) END;"""
PLACE_INLINE = """IF NEW.county_code IS NULL THEN
            SELECT j.code INTO NEW.county_code FROM jurisdictions j
             WHERE j.level = 'county' AND j.geom IS NOT NULL AND ST_Covers(j.geom, anchor)
             ORDER BY j.code LIMIT 1;
            IF NEW.county_code IS NULL THEN
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
                SELECT j.code INTO NEW.township_code FROM jurisdictions j
                 WHERE j.level = 'township' AND j.parent_code = NEW.county_code AND j.centre IS NOT NULL
                 ORDER BY j.centre <-> anchor LIMIT 1;
            END IF;
        END IF;"""

CATEGORY_EVENTS_APPEND_ONLY = (
    """CREATE FUNCTION category_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'category_events is append-only (% refused)', TG_OP;
    END $$""",
    """CREATE TRIGGER category_events_append_only BEFORE UPDATE OR DELETE ON category_events
    FOR EACH ROW EXECUTE FUNCTION category_events_append_only()""",
    # Categories are retired (active = false), never removed: hazards reference them.
    """CREATE FUNCTION categories_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'categories are never deleted; set active = false instead';
    END $$""",
    """CREATE TRIGGER categories_no_delete BEFORE DELETE ON categories
    FOR EACH ROW EXECUTE FUNCTION categories_no_delete()""",
)


def upgrade() -> None:
    op.create_table(
        "category_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("category_code", sa.String(length=8), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_code"],
            ["categories.code"],
            name=op.f("fk_category_events_category_code_categories"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_events")),
    )
    op.create_index(
        op.f("ix_category_events_category_code"), "category_events", ["category_code"], unique=False
    )
    for statement in CATEGORY_EVENTS_APPEND_ONLY:
        op.execute(statement)
    op.execute(HAZARD_PLACE)
    op.execute(_assign("p record;", PLACE_CALL))


def downgrade() -> None:
    op.execute(_assign(ANCHOR_INLINE, PLACE_INLINE))
    op.execute("DROP FUNCTION hazard_place(geometry, text)")
    op.execute("DROP TRIGGER categories_no_delete ON categories")
    op.execute("DROP FUNCTION categories_no_delete()")
    op.drop_index(op.f("ix_category_events_category_code"), table_name="category_events")
    op.drop_table("category_events")
    op.execute("DROP FUNCTION category_events_append_only()")
