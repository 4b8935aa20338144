CREATE TEMP TABLE import_boundaries (
    row_no integer PRIMARY KEY,
    code text,
    name text,
    parent_code text,
    is_outline boolean,
    wkb bytea,
    geom geometry(MultiPolygon, 4326),
    centre geometry(Point, 4326),
    reason text
) ON COMMIT DROP
