"""Calibrated 桩号 on roads, known mileposts, and the history of replaced roads.

- ``roads.measured``: the road's line with its 桩号 as the M value of every vertex. Filled by
  ``roads_measure`` (BEFORE INSERT/UPDATE) from the start chainage and the length when nothing
  else sets it; ``hazardmap roads calibrate`` writes it from the mileposts. Linear referencing
  (locate, snap, cut) reads this column, so a calibrated road answers in posted 桩号.
- ``roads.length_m`` is the span of 桩号 the piece covers (end − start); it equals the measured
  length of the line until mileposts calibrate it.
- ``road_calibration_points``: the mileposts (road code, 桩号, point); a new file for a code
  marks the code's earlier points ``replaced_at`` (never deleted).
- ``road_versions`` (append-only): every road row as it was before an UPDATE or DELETE, so a
  re-import that replaces a route loses nothing.

Revision ID: ca11b8a7ed01
Revises: b3f1e6a2c9d8
Create Date: 2026-12-06 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "ca11b8a7ed01"
down_revision: str | None = "b3f1e6a2c9d8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROADS_MEASURE = """CREATE FUNCTION roads_measure() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.measured IS NULL THEN
                NEW.measured := road_measured(NEW.geom, NEW.start_chainage_m, NEW.length_m);
            END IF;
        ELSIF NOT ST_OrderingEquals(NEW.measured, OLD.measured) THEN
            NULL;  -- the writer measured it (calibration)
        ELSIF NOT ST_OrderingEquals(NEW.geom, OLD.geom)
              OR NEW.start_chainage_m IS DISTINCT FROM OLD.start_chainage_m
              OR NEW.length_m IS DISTINCT FROM OLD.length_m THEN
            NEW.measured := road_measured(NEW.geom, NEW.start_chainage_m, NEW.length_m);
        END IF;
        RETURN NEW;
    END $$"""

ROAD_VERSIONS_RECORD = """CREATE FUNCTION road_versions_record() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' OR NOT ST_OrderingEquals(NEW.geom, OLD.geom)
           OR (NEW.code, NEW.name, NEW.road_class, NEW.start_chainage_m, NEW.length_m, NEW.source)
              IS DISTINCT FROM
              (OLD.code, OLD.name, OLD.road_class, OLD.start_chainage_m, OLD.length_m, OLD.source) THEN
            INSERT INTO road_versions (road_id, code, name, road_class, start_chainage_m, length_m,
                                       geom, schematic, source, change, note)
            VALUES (OLD.id, OLD.code, OLD.name, OLD.road_class, OLD.start_chainage_m, OLD.length_m,
                    OLD.geom, OLD.schematic, OLD.source, lower(TG_OP),
                    nullif(current_setting('hazardmap.note', true), ''));
        END IF;
        RETURN NULL;
    END $$"""

ROAD_VERSIONS_APPEND_ONLY = """CREATE FUNCTION road_versions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'road_versions is append-only (% refused)', TG_OP;
    END $$"""

POINTS_NO_DELETE = """CREATE FUNCTION road_calibration_points_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'road_calibration_points are never deleted (set replaced_at)';
    END $$"""


def upgrade() -> None:
    op.add_column(
        "roads",
        sa.Column(
            "measured", Geometry(geometry_type="GEOMETRYM", srid=4326, spatial_index=False), nullable=True
        ),
    )
    op.add_column("roads", sa.Column("calibrated", sa.Boolean(), server_default="false", nullable=False))
    op.execute("UPDATE roads SET measured = road_measured(geom, start_chainage_m, length_m)")
    op.alter_column("roads", "measured", nullable=False)
    op.execute(ROADS_MEASURE)
    op.execute(
        "CREATE TRIGGER roads_measure BEFORE INSERT OR UPDATE ON roads FOR EACH ROW EXECUTE FUNCTION roads_measure()"
    )

    op.create_table(
        "road_calibration_points",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("road_code", sa.String(length=16), nullable=False),
        sa.Column("chainage_m", sa.Float(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=False,
        ),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("chainage_m >= 0", name=op.f("ck_road_calibration_points_chainage_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_road_calibration_points")),
    )
    op.create_index(
        "ix_road_calibration_points_road_code_current",
        "road_calibration_points",
        ["road_code", "seq"],
        unique=False,
        postgresql_where=sa.text("replaced_at IS NULL"),
    )
    op.execute(POINTS_NO_DELETE)
    op.execute(
        "CREATE TRIGGER road_calibration_points_no_delete BEFORE DELETE ON road_calibration_points"
        " FOR EACH ROW EXECUTE FUNCTION road_calibration_points_no_delete()"
    )

    op.create_table(
        "road_versions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("road_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("road_class", sa.String(length=16), nullable=False),
        sa.Column("start_chainage_m", sa.Float(), nullable=False),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="GEOMETRY",
                srid=4326,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=False,
        ),
        sa.Column("schematic", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("change", sa.String(length=8), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_road_versions")),
    )
    op.create_index(op.f("ix_road_versions_road_id"), "road_versions", ["road_id"], unique=False)
    op.create_index(op.f("ix_road_versions_code"), "road_versions", ["code"], unique=False)
    op.execute(ROAD_VERSIONS_RECORD)
    op.execute(
        "CREATE TRIGGER road_versions_record AFTER UPDATE OR DELETE ON roads"
        " FOR EACH ROW EXECUTE FUNCTION road_versions_record()"
    )
    op.execute(ROAD_VERSIONS_APPEND_ONLY)
    op.execute(
        "CREATE TRIGGER road_versions_append_only BEFORE UPDATE OR DELETE ON road_versions"
        " FOR EACH ROW EXECUTE FUNCTION road_versions_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER road_versions_append_only ON road_versions")
    op.execute("DROP FUNCTION road_versions_append_only()")
    op.execute("DROP TRIGGER road_versions_record ON roads")
    op.execute("DROP FUNCTION road_versions_record()")
    op.drop_index(op.f("ix_road_versions_code"), table_name="road_versions")
    op.drop_index(op.f("ix_road_versions_road_id"), table_name="road_versions")
    op.drop_table("road_versions")
    op.execute("DROP TRIGGER road_calibration_points_no_delete ON road_calibration_points")
    op.execute("DROP FUNCTION road_calibration_points_no_delete()")
    op.drop_index(
        "ix_road_calibration_points_road_code_current",
        table_name="road_calibration_points",
        postgresql_where=sa.text("replaced_at IS NULL"),
    )
    op.drop_table("road_calibration_points")
    op.execute("DROP TRIGGER roads_measure ON roads")
    op.execute("DROP FUNCTION roads_measure()")
    op.drop_column("roads", "calibrated")
    op.drop_column("roads", "measured")
