CREATE TEMP TABLE import_routes (
    row_no integer PRIMARY KEY,
    code text NOT NULL,
    name text,
    road_class text NOT NULL,
    wkb bytea,
    geom geometry(Geometry, 4326),
    reason text
) ON COMMIT DROP
