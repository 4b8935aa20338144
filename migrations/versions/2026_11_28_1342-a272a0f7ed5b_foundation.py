"""Foundation: jurisdictions, roads, categories (seeded), hazards, their history, ledger numbers.

Revision ID: a272a0f7ed5b
Revises: 
Create Date: 2026-11-28 13:42:13.889969
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

# The project's category proposal (a proposal, not a standard): code, group, names, usual kind.
GROUPS = {
    "XL": ("线形", "alignment"),
    "LC": ("路侧", "roadside"),
    "JC": ("交叉", "intersections"),
    "SS": ("设施", "traffic facilities"),
    "HJ": ("环境", "environment"),
    "LM": ("路面", "pavement"),
}
CATEGORIES = [
    ("XL01", "急弯", "sharp curve", "explicit"),
    ("XL02", "连续急弯", "series of sharp curves", "explicit"),
    ("XL03", "陡坡", "steep grade", "explicit"),
    ("XL04", "长大下坡", "long steep downgrade", "implicit"),
    ("XL05", "视距不良", "poor sight distance", "explicit"),
    ("LC01", "临水临崖", "road beside water or drop", "explicit"),
    ("LC02", "护栏缺失/损坏", "guardrail missing or damaged", "explicit"),
    ("LC03", "路侧障碍", "roadside obstacle", "explicit"),
    ("JC01", "平交路口缺“三必上”", "at-grade crossing lacks posts, warning signs or speed bumps", "explicit"),
    ("JC02", "支路未设减速让行", "side road without slow/yield control", "explicit"),
    ("JC03", "中分带开口过多", "too many median openings", "implicit"),
    ("SS01", "标志缺失", "sign missing", "explicit"),
    ("SS02", "标线缺损", "markings missing or worn", "explicit"),
    ("SS03", "照明不足", "insufficient lighting", "explicit"),
    ("SS04", "诱导设施缺失", "delineation missing", "explicit"),
    ("HJ01", "穿村过镇", "road through a village or town", "implicit"),
    ("HJ02", "学校周边", "near a school", "implicit"),
    ("HJ03", "马路市场", "roadside market", "explicit"),
    ("HJ04", "施工区", "work zone", "explicit"),
    ("HJ05", "团雾/结冰", "patchy fog or icing", "implicit"),
    ("LM01", "路面破损", "pavement damage", "explicit"),
    ("LM02", "抗滑不足", "poor skid resistance", "implicit"),
    ("LM03", "路面积水", "standing water", "explicit"),
]

# History rows are evidence: once written, never changed or removed (not even by the service).
APPEND_ONLY = (
    """CREATE FUNCTION hazard_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'hazard_events is append-only (% refused)', TG_OP;
    END $$""",
    """CREATE TRIGGER hazard_events_append_only BEFORE UPDATE OR DELETE ON hazard_events
    FOR EACH ROW EXECUTE FUNCTION hazard_events_append_only()""",
)

revision: str = 'a272a0f7ed5b'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The database owns the ledger's invariants, so that the API, the importers, the demo loader
# and a DBA with psql all get the same numbering, the same county/township and the same history.
LEDGER_FUNCTIONS = (
    # County and township from the geometry; ledger number per county and year (Beijing time).
    """CREATE FUNCTION hazards_assign() RETURNS trigger LANGUAGE plpgsql AS $$
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
    END $$""",
    """CREATE TRIGGER hazards_assign BEFORE INSERT ON hazards
    FOR EACH ROW EXECUTE FUNCTION hazards_assign()""",
    # Every change bumps the version (the ETag) and the time, whoever makes it.
    """CREATE FUNCTION hazards_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.version := OLD.version + 1;
        NEW.updated_at := now();
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER hazards_bump_version BEFORE UPDATE ON hazards
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION hazards_bump_version()""",
    # The history: one event per insert and per change. The actor and the action name come from
    # transaction-local settings (SET LOCAL hazardmap.actor / hazardmap.action).
    """CREATE FUNCTION hazards_record_event() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        diff jsonb;
        act text := nullif(current_setting('hazardmap.action', true), '');
    BEGIN
        IF TG_OP = 'INSERT' THEN
            diff := to_jsonb(NEW) - 'version' - 'updated_at' - 'created_at';
            act := coalesce(act, 'create');
        ELSE
            SELECT coalesce(jsonb_object_agg(n.key, jsonb_build_array(o.value, n.value)), '{}')
              INTO diff
              FROM jsonb_each(to_jsonb(NEW)) n JOIN jsonb_each(to_jsonb(OLD)) o USING (key)
             WHERE n.key NOT IN ('version', 'updated_at', 'updated_by')
               AND n.value IS DISTINCT FROM o.value;
            IF diff = '{}' THEN
                RETURN NEW;
            END IF;
            act := coalesce(act, CASE WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL
                                      THEN 'delete' ELSE 'update' END);
        END IF;
        INSERT INTO hazard_events (hazard_id, version, action, actor, changes)
        VALUES (NEW.id, NEW.version, act,
                coalesce(nullif(current_setting('hazardmap.actor', true), ''), NEW.updated_by, NEW.created_by),
                diff);
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER hazards_record_event AFTER INSERT OR UPDATE ON hazards
    FOR EACH ROW EXECUTE FUNCTION hazards_record_event()""",
    # Rows are never removed; a delete is a soft delete (deleted_at), kept in the history.
    """CREATE FUNCTION hazards_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'hazards are never deleted; set deleted_at instead';
    END $$""",
    """CREATE TRIGGER hazards_no_delete BEFORE DELETE ON hazards
    FOR EACH ROW EXECUTE FUNCTION hazards_no_delete()""",
)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table('categories',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('group_code', sa.String(length=4), nullable=False),
    sa.Column('group_zh', sa.String(length=16), nullable=False),
    sa.Column('group_en', sa.String(length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=64), nullable=False),
    sa.Column('name_en', sa.String(length=128), nullable=False),
    sa.Column('usual_visibility', sa.String(length=8), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.CheckConstraint("usual_visibility IN ('explicit', 'implicit')", name=op.f('ck_categories_usual_visibility')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_categories'))
    )
    op.create_geospatial_table('jurisdictions',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent_code', sa.String(length=16), nullable=True),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('centre', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.CheckConstraint("level IN ('city', 'county', 'zone', 'township', 'village')", name=op.f('ck_jurisdictions_level')),
    sa.ForeignKeyConstraint(['parent_code'], ['jurisdictions.code'], name=op.f('fk_jurisdictions_parent_code_jurisdictions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_jurisdictions'))
    )
    op.create_geospatial_index('idx_jurisdictions_centre', 'jurisdictions', ['centre'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_index('idx_jurisdictions_geom', 'jurisdictions', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_jurisdictions_level'), 'jurisdictions', ['level'], unique=False)
    op.create_index(op.f('ix_jurisdictions_parent_code'), 'jurisdictions', ['parent_code'], unique=False)
    op.create_geospatial_table('roads',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('road_class', sa.String(length=16), nullable=False),
    sa.Column('layer_group', sa.String(length=16), sa.Computed("CASE road_class WHEN 'expressway' THEN 'expressway' WHEN 'national' THEN 'trunk' WHEN 'provincial' THEN 'trunk' WHEN 'county' THEN 'county_township' WHEN 'township' THEN 'county_township' WHEN 'village' THEN 'rural' END", persisted=True), nullable=False),
    sa.Column('start_chainage_m', sa.Float(), server_default='0', nullable=False),
    sa.Column('length_m', sa.Float(), nullable=False),
    sa.Column('geom', Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('schematic', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.CheckConstraint("ST_GeometryType(geom) IN ('ST_LineString', 'ST_MultiLineString')", name=op.f('ck_roads_geom_is_line')),
    sa.CheckConstraint("road_class IN ('expressway', 'national', 'provincial', 'county', 'township', 'village')", name=op.f('ck_roads_road_class')),
    sa.CheckConstraint('start_chainage_m >= 0', name=op.f('ck_roads_start_chainage_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roads'))
    )
    op.create_geospatial_index('idx_roads_geom', 'roads', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_roads_code'), 'roads', ['code'], unique=False)
    op.create_index(op.f('ix_roads_layer_group'), 'roads', ['layer_group'], unique=False)
    op.create_geospatial_table('hazards',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('uid', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('ledger_no', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('category_code', sa.String(length=8), nullable=False),
    sa.Column('visibility', sa.String(length=8), nullable=False),
    sa.Column('grade', sa.String(length=12), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('county_code', sa.String(length=16), nullable=False),
    sa.Column('township_code', sa.String(length=16), nullable=True),
    sa.Column('road_id', sa.BigInteger(), nullable=True),
    sa.Column('chainage_m', sa.Float(), nullable=True),
    sa.Column('end_chainage_m', sa.Float(), nullable=True),
    sa.Column('direction', sa.SmallInteger(), nullable=True),
    sa.Column('geom', Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('demo', sa.Boolean(), server_default='false', nullable=False),
    sa.CheckConstraint("(kind = 'point' AND ST_GeometryType(geom) = 'ST_Point') OR (kind = 'segment' AND ST_GeometryType(geom) = 'ST_LineString')", name=op.f('ck_hazards_geom_matches_kind')),
    sa.CheckConstraint("grade IN ('general', 'significant', 'major')", name=op.f('ck_hazards_grade')),
    sa.CheckConstraint("kind IN ('point', 'segment')", name=op.f('ck_hazards_kind')),
    sa.CheckConstraint("source IN ('inspection', 'crash_analysis', 'public_report', 'procuratorate', 'project_review')", name=op.f('ck_hazards_source')),
    sa.CheckConstraint("status IN ('reported', 'claimed', 'rectifying', 'rectified', 'closed', 'rejected')", name=op.f('ck_hazards_status')),
    sa.CheckConstraint("visibility IN ('explicit', 'implicit')", name=op.f('ck_hazards_visibility')),
    sa.CheckConstraint('direction IN (1, 2, 3)', name=op.f('ck_hazards_direction')),
    sa.ForeignKeyConstraint(['category_code'], ['categories.code'], name=op.f('fk_hazards_category_code_categories')),
    sa.ForeignKeyConstraint(['county_code'], ['jurisdictions.code'], name=op.f('fk_hazards_county_code_jurisdictions')),
    sa.ForeignKeyConstraint(['road_id'], ['roads.id'], name=op.f('fk_hazards_road_id_roads')),
    sa.ForeignKeyConstraint(['township_code'], ['jurisdictions.code'], name=op.f('fk_hazards_township_code_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazards')),
    sa.UniqueConstraint('ledger_no', name=op.f('uq_hazards_ledger_no')),
    sa.UniqueConstraint('uid', name=op.f('uq_hazards_uid'))
    )
    op.create_geospatial_index('idx_hazards_geom', 'hazards', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_hazards_category_code'), 'hazards', ['category_code'], unique=False)
    op.create_index('ix_hazards_county_code_status', 'hazards', ['county_code', 'status'], unique=False)
    op.create_index(op.f('ix_hazards_kind'), 'hazards', ['kind'], unique=False)
    op.create_index(op.f('ix_hazards_road_id'), 'hazards', ['road_id'], unique=False)
    op.create_index(op.f('ix_hazards_status'), 'hazards', ['status'], unique=False)
    op.create_index(op.f('ix_hazards_township_code'), 'hazards', ['township_code'], unique=False)
    op.create_index(op.f('ix_hazards_updated_at'), 'hazards', ['updated_at'], unique=False)
    op.create_table('ledger_counters',
    sa.Column('county_code', sa.String(length=16), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['county_code'], ['jurisdictions.code'], name=op.f('fk_ledger_counters_county_code_jurisdictions')),
    sa.PrimaryKeyConstraint('county_code', 'year', name=op.f('pk_ledger_counters'))
    )
    op.create_table('hazard_events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('hazard_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('changes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_hazard_events_hazard_id_hazards'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_events'))
    )
    op.create_index(op.f('ix_hazard_events_hazard_id'), 'hazard_events', ['hazard_id'], unique=False)
    for statement in APPEND_ONLY + LEDGER_FUNCTIONS:
        op.execute(statement)
    categories = sa.table(
        "categories",
        sa.column("code", sa.String), sa.column("group_code", sa.String), sa.column("group_zh", sa.String),
        sa.column("group_en", sa.String), sa.column("name_zh", sa.String), sa.column("name_en", sa.String),
        sa.column("usual_visibility", sa.String),
    )
    op.bulk_insert(categories, [
        {"code": code, "group_code": code[:2], "group_zh": GROUPS[code[:2]][0], "group_en": GROUPS[code[:2]][1],
         "name_zh": zh, "name_en": en, "usual_visibility": vis}
        for code, zh, en, vis in CATEGORIES
    ])


def downgrade() -> None:
    for name in ("hazards_no_delete", "hazards_record_event", "hazards_bump_version", "hazards_assign"):
        op.execute(f"DROP TRIGGER {name} ON hazards")
        op.execute(f"DROP FUNCTION {name}()")
    op.execute("DROP TRIGGER hazard_events_append_only ON hazard_events")
    op.execute("DROP FUNCTION hazard_events_append_only()")
    op.drop_index(op.f('ix_hazard_events_hazard_id'), table_name='hazard_events')
    op.drop_table('hazard_events')
    op.drop_table('ledger_counters')
    op.drop_index(op.f('ix_hazards_updated_at'), table_name='hazards')
    op.drop_index(op.f('ix_hazards_township_code'), table_name='hazards')
    op.drop_index(op.f('ix_hazards_status'), table_name='hazards')
    op.drop_index(op.f('ix_hazards_road_id'), table_name='hazards')
    op.drop_index(op.f('ix_hazards_kind'), table_name='hazards')
    op.drop_index('ix_hazards_county_code_status', table_name='hazards')
    op.drop_index(op.f('ix_hazards_category_code'), table_name='hazards')
    op.drop_geospatial_index('idx_hazards_geom', table_name='hazards', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('hazards')
    op.drop_index(op.f('ix_roads_layer_group'), table_name='roads')
    op.drop_index(op.f('ix_roads_code'), table_name='roads')
    op.drop_geospatial_index('idx_roads_geom', table_name='roads', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('roads')
    op.drop_index(op.f('ix_jurisdictions_parent_code'), table_name='jurisdictions')
    op.drop_index(op.f('ix_jurisdictions_level'), table_name='jurisdictions')
    op.drop_geospatial_index('idx_jurisdictions_geom', table_name='jurisdictions', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_index('idx_jurisdictions_centre', table_name='jurisdictions', postgresql_using='gist', column_name='centre')
    op.drop_geospatial_table('jurisdictions')
    op.drop_table('categories')
