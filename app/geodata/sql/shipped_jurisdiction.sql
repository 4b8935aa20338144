INSERT INTO jurisdictions (code, name, level, parent_code, geom, centre, source)
VALUES (
    :code, :name, :level, :parent_code,
    ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_GeomFromText(CAST(:geom AS text), 4326)), 3)),
    ST_GeomFromText(CAST(:centre AS text), 4326),
    :source
)
