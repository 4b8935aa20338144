CREATE TEMP TABLE import_hazards (
    row_no integer PRIMARY KEY,
    uid uuid,
    kind text,
    category_code text,
    visibility text,
    grade text,
    source text,
    description text,
    address text,
    status text,
    wkb bytea,
    geom geometry(Geometry, 4326),
    reason text
) ON COMMIT DROP
