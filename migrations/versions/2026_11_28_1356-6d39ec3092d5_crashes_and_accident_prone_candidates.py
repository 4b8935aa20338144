"""Crashes, accident-prone candidates, and the linear-referencing functions over roads.

Revision ID: 6d39ec3092d5
Revises: a272a0f7ed5b
Create Date: 2026-11-28 13:56:03.166773
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = '6d39ec3092d5'
down_revision: str | None = 'a272a0f7ed5b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Linear referencing (桩号) lives in the database so that the API, the importers and the
# detection place things on a road the same way. A road is measured: every vertex carries its
# chainage as M, the geodesic distance along the line scaled to the road's length_m and offset
# by start_chainage_m. Measuring vertex by vertex, rather than taking a fraction of the line in
# degrees, keeps the chainage right on a road that turns (a degree of longitude is 20 % shorter
# than one of latitude here) and across the gaps of a MultiLineString.
LINEAR_FUNCTIONS = (
    """CREATE FUNCTION road_measured(g geometry, start_m double precision, length_m double precision)
    RETURNS geometry LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        -- Parts that join end to end are merged (keeping their direction); parts that do not
        -- are measured one after the other in the order stored, the gaps not counted.
        WITH line AS (
            SELECT CASE WHEN ST_GeometryType(ST_LineMerge(g, true)) = 'ST_LineString'
                        THEN ST_Multi(ST_LineMerge(g, true)) ELSE ST_Multi(g) END AS g
        ), vertex AS (
            SELECT d.path[1] AS part, d.path[2] AS n, d.geom AS p FROM line, ST_DumpPoints(line.g) AS d
        ), step AS (
            SELECT part, n, p,
                   coalesce(ST_Distance(p::geography,
                                        (lag(p) OVER (PARTITION BY part ORDER BY n))::geography), 0) AS len
              FROM vertex
        ), along AS (
            SELECT part, n, p, sum(len) OVER (ORDER BY part, n) AS d, sum(len) OVER () AS total FROM step
        )
        SELECT ST_SetSRID(ST_Collect(line ORDER BY part), ST_SRID(g))
          FROM (SELECT part,
                       ST_MakeLine(ST_MakePointM(ST_X(p), ST_Y(p),
                                                 start_m + d * length_m / nullif(total, 0)) ORDER BY n) AS line
                  FROM along GROUP BY part) AS parts
    $$""",
    # The chainage of the point of the road nearest to pt, found in a metric CRS (srid) so that
    # "nearest" means nearest in metres.
    """CREATE FUNCTION road_chainage_at(measured geometry, pt geometry, srid integer)
    RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT ST_InterpolatePoint(part, ST_Transform(pt, srid))
          FROM (SELECT ST_Transform(d.geom, srid) AS part FROM ST_Dump(measured) AS d) AS parts
         ORDER BY ST_Distance(part, ST_Transform(pt, srid))
         LIMIT 1
    $$""",
    # The point at a chainage (NULL when the road does not reach it), in 2D.
    """CREATE FUNCTION road_point_at(measured geometry, chainage_m double precision)
    RETURNS geometry LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT ST_Force2D(ST_GeometryN(ST_LocateAlong(measured, chainage_m), 1))
    $$""",
    # The stretch between two chainages as one LineString running from the first to the second;
    # a gap in the road is bridged by a straight line. NULL when the road does not reach them.
    """CREATE FUNCTION road_line_between(measured geometry, from_m double precision, to_m double precision)
    RETURNS geometry LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT CASE WHEN from_m <= to_m THEN line ELSE ST_Reverse(line) END
          FROM (SELECT ST_MakeLine(ARRAY(
                           SELECT ST_Force2D(d.geom)
                             FROM ST_Dump(ST_LocateBetween(measured, least(from_m, to_m),
                                                           greatest(from_m, to_m))) AS d
                            WHERE ST_GeometryType(d.geom) = 'ST_LineString'
                            ORDER BY d.path)) AS line) AS joined
         WHERE ST_NPoints(line) >= 2
    $$""",
)


def upgrade() -> None:
    op.create_geospatial_table('crashes',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('road_id', sa.BigInteger(), nullable=True),
    sa.Column('chainage_m', sa.Float(), nullable=True),
    sa.Column('snap_distance_m', sa.Float(), nullable=True),
    sa.Column('deaths', sa.Integer(), server_default='0', nullable=False),
    sa.Column('injuries', sa.Integer(), server_default='0', nullable=False),
    sa.Column('procedure', sa.String(length=8), nullable=False),
    sa.Column('crash_type', sa.String(length=32), nullable=True),
    sa.Column('source_file', sa.Text(), nullable=True),
    sa.Column('source_ref', sa.String(length=64), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("ST_GeometryType(geom) = 'ST_Point'", name=op.f('ck_crashes_geom_is_point')),
    sa.CheckConstraint("procedure IN ('simple', 'ordinary')", name=op.f('ck_crashes_procedure')),
    sa.CheckConstraint('deaths >= 0 AND injuries >= 0', name=op.f('ck_crashes_casualties_not_negative')),
    sa.ForeignKeyConstraint(['road_id'], ['roads.id'], name=op.f('fk_crashes_road_id_roads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crashes')),
    sa.UniqueConstraint('source_ref', name=op.f('uq_crashes_source_ref'))
    )
    op.create_geospatial_index('idx_crashes_geom', 'crashes', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_crashes_occurred_at'), 'crashes', ['occurred_at'], unique=False)
    op.create_index('ix_crashes_road_id_chainage_m', 'crashes', ['road_id', 'chainage_m'], unique=False)
    op.create_geospatial_table('accident_prone_candidates',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('road_id', sa.BigInteger(), nullable=False),
    sa.Column('road_code', sa.String(length=16), nullable=False),
    sa.Column('start_chainage_m', sa.Float(), nullable=False),
    sa.Column('end_chainage_m', sa.Float(), nullable=False),
    sa.Column('point_chainage_m', sa.Float(), nullable=True),
    sa.Column('geom', Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('crash_count', sa.Integer(), nullable=False),
    sa.Column('fatal_crashes', sa.Integer(), nullable=False),
    sa.Column('ordinary_crashes', sa.Integer(), nullable=False),
    sa.Column('deaths', sa.Integer(), nullable=False),
    sa.Column('injuries', sa.Integer(), nullable=False),
    sa.Column('crash_ids', postgresql.ARRAY(sa.BigInteger()), nullable=False),
    sa.Column('reasons', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('status', sa.String(length=12), server_default='candidate', nullable=False),
    sa.Column('hazard_id', sa.BigInteger(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.CheckConstraint("(kind = 'point' AND ST_GeometryType(geom) = 'ST_Point' AND point_chainage_m IS NOT NULL) OR (kind = 'segment' AND ST_GeometryType(geom) = 'ST_LineString')", name=op.f('ck_accident_prone_candidates_geom_matches_kind')),
    sa.CheckConstraint("(status = 'accepted') = (hazard_id IS NOT NULL)", name=op.f('ck_accident_prone_candidates_accepted_has_hazard')),
    sa.CheckConstraint("kind IN ('point', 'segment')", name=op.f('ck_accident_prone_candidates_kind')),
    sa.CheckConstraint("status IN ('candidate', 'accepted', 'dismissed')", name=op.f('ck_accident_prone_candidates_status')),
    sa.CheckConstraint('start_chainage_m <= end_chainage_m', name=op.f('ck_accident_prone_candidates_chainage_in_order')),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_accident_prone_candidates_hazard_id_hazards')),
    sa.ForeignKeyConstraint(['road_id'], ['roads.id'], name=op.f('fk_accident_prone_candidates_road_id_roads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accident_prone_candidates')),
    sa.UniqueConstraint('hazard_id', name=op.f('uq_accident_prone_candidates_hazard_id'))
    )
    op.create_geospatial_index('idx_accident_prone_candidates_geom', 'accident_prone_candidates', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_accident_prone_candidates_road_code_status', 'accident_prone_candidates', ['road_code', 'status'], unique=False)
    for statement in LINEAR_FUNCTIONS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP FUNCTION road_line_between(geometry, double precision, double precision)")
    op.execute("DROP FUNCTION road_point_at(geometry, double precision)")
    op.execute("DROP FUNCTION road_chainage_at(geometry, geometry, integer)")
    op.execute("DROP FUNCTION road_measured(geometry, double precision, double precision)")
    op.drop_index('ix_accident_prone_candidates_road_code_status', table_name='accident_prone_candidates')
    op.drop_geospatial_index('idx_accident_prone_candidates_geom', table_name='accident_prone_candidates', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('accident_prone_candidates')
    op.drop_index('ix_crashes_road_id_chainage_m', table_name='crashes')
    op.drop_index(op.f('ix_crashes_occurred_at'), table_name='crashes')
    op.drop_geospatial_index('idx_crashes_geom', table_name='crashes', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('crashes')
