"""A hazard's development zone (开发区) and village (行政村), beside its county and township.

主体在县、管理在乡、延伸到村: the county answers for a hazard, the township manages it, the village is
where it reaches. A development zone is managed apart from the counties it lies in, so a hazard in
a zone belongs to its county and to the zone.

``hazard_zone_village(g, township)`` is the one rule: the zone whose outline covers the anchor
(the point, or a segment's midpoint); the village whose outline covers it, else the nearest
village point within ``VILLAGE_REACH_M`` (of the township, when it is known). The trigger
``hazards_zone_village`` sets both on insert and when the geometry changes; after outlines or
village points are imported, ``hazards_reassign_zone_village()`` places the existing hazards again.

Revision ID: zv1ab9c0d4e2
Revises: ca11b8a7ed01
Create Date: 2026-12-06 19:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "zv1ab9c0d4e2"
down_revision: str | None = "ca11b8a7ed01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VILLAGE_REACH_M = 1500
# The box around the anchor (degrees) is wider than the reach at Liaocheng's latitude (a degree
# of longitude is about 90 km there, of latitude 111 km), so the index narrows and DWithin decides.

PLACE = f"""CREATE FUNCTION hazard_zone_village(g geometry, township text,
                                    OUT zone_code text, OUT village_code text)
    LANGUAGE plpgsql STABLE AS $$
    DECLARE
        anchor geometry := CASE WHEN ST_GeometryType(g) = 'ST_Point' THEN g
                                ELSE ST_LineInterpolatePoint(g, 0.5) END;
    BEGIN
        SELECT j.code INTO zone_code FROM jurisdictions j
         WHERE j.level = 'zone' AND j.geom IS NOT NULL AND ST_Covers(j.geom, anchor)
         ORDER BY j.code LIMIT 1;
        SELECT j.code INTO village_code FROM jurisdictions j
         WHERE j.level = 'village' AND j.geom IS NOT NULL AND ST_Covers(j.geom, anchor)
         ORDER BY j.code LIMIT 1;
        IF village_code IS NULL THEN
            SELECT j.code INTO village_code FROM jurisdictions j
             WHERE j.level = 'village' AND j.geom IS NULL AND j.centre IS NOT NULL
               AND (township IS NULL OR j.parent_code = township)
               AND j.centre && ST_Expand(anchor, {VILLAGE_REACH_M / 80_000:.4f})
               AND ST_DWithin(j.centre::geography, anchor::geography, {VILLAGE_REACH_M})
             ORDER BY j.centre <-> anchor LIMIT 1;
        END IF;
    END $$"""

TRIGGER = """CREATE FUNCTION hazards_zone_village() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        p record;
    BEGIN
        IF TG_OP = 'INSERT' OR NOT ST_OrderingEquals(NEW.geom, OLD.geom)
           OR NEW.township_code IS DISTINCT FROM OLD.township_code THEN
            SELECT * INTO p FROM hazard_zone_village(NEW.geom, NEW.township_code);
            NEW.zone_code := p.zone_code;
            NEW.village_code := p.village_code;
        END IF;
        RETURN NEW;
    END $$"""

REASSIGN = """CREATE FUNCTION hazards_reassign_zone_village() RETURNS integer LANGUAGE plpgsql AS $$
    DECLARE
        n integer;
    BEGIN
        UPDATE hazards h SET zone_code = p.zone_code, village_code = p.village_code
          FROM (SELECT x.id, (hazard_zone_village(x.geom, x.township_code)).* FROM hazards x) AS p
         WHERE p.id = h.id
           AND (h.zone_code, h.village_code) IS DISTINCT FROM (p.zone_code, p.village_code);
        GET DIAGNOSTICS n = ROW_COUNT;
        RETURN n;
    END $$"""


def upgrade() -> None:
    op.add_column("hazards", sa.Column("zone_code", sa.String(length=16), nullable=True))
    op.add_column("hazards", sa.Column("village_code", sa.String(length=16), nullable=True))
    op.create_foreign_key(
        op.f("fk_hazards_zone_code_jurisdictions"), "hazards", "jurisdictions", ["zone_code"], ["code"]
    )
    op.create_foreign_key(
        op.f("fk_hazards_village_code_jurisdictions"), "hazards", "jurisdictions", ["village_code"], ["code"]
    )
    op.create_index(op.f("ix_hazards_zone_code"), "hazards", ["zone_code"], unique=False)
    op.create_index(op.f("ix_hazards_village_code"), "hazards", ["village_code"], unique=False)
    op.execute(PLACE)
    op.execute(TRIGGER)
    # Named to run after hazards_assign (alphabetical order of BEFORE triggers): the township is known.
    op.execute(
        "CREATE TRIGGER hazards_zone_village BEFORE INSERT OR UPDATE ON hazards"
        " FOR EACH ROW EXECUTE FUNCTION hazards_zone_village()"
    )
    op.execute(REASSIGN)


def downgrade() -> None:
    op.execute("DROP FUNCTION hazards_reassign_zone_village()")
    op.execute("DROP TRIGGER hazards_zone_village ON hazards")
    op.execute("DROP FUNCTION hazards_zone_village()")
    op.execute("DROP FUNCTION hazard_zone_village(geometry, text)")
    op.drop_index(op.f("ix_hazards_village_code"), table_name="hazards")
    op.drop_index(op.f("ix_hazards_zone_code"), table_name="hazards")
    op.drop_constraint(op.f("fk_hazards_village_code_jurisdictions"), "hazards", type_="foreignkey")
    op.drop_constraint(op.f("fk_hazards_zone_code_jurisdictions"), "hazards", type_="foreignkey")
    op.drop_column("hazards", "village_code")
    op.drop_column("hazards", "zone_code")
