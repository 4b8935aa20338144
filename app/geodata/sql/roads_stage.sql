CREATE TEMP TABLE import_roads (
    row_no integer PRIMARY KEY,
    code text,
    name text,
    road_class text,
    start_chainage_m double precision,
    wkb bytea,
    geom geometry(Geometry, 4326),
    reason text
) ON COMMIT DROP
