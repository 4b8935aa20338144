DROP TABLE IF EXISTS pg_temp.import_crashes, pg_temp.import_nearest;
CREATE TEMP TABLE import_crashes (
    row_no integer PRIMARY KEY,
    occurred_at timestamptz,
    lon double precision,
    lat double precision,
    road_code text,
    chainage_m double precision,
    deaths integer,
    injuries integer,
    procedure text,
    crash_type text,
    source_ref text,
    reason text,
    geom geometry(Point, 4326),
    road_id bigint,
    snap_distance_m double precision
) ON COMMIT DROP
