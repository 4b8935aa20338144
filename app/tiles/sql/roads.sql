-- One Mapbox vector tile of roads, with its md5 for the ETag (see hazards.sql for the envelope).
WITH b AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS tile,
           ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS area
), t AS (
    SELECT r.id, r.code, r.name, r.road_class AS class, r.layer_group AS road_group, r.schematic,
           ST_AsMVTGeom(ST_Transform(r.geom, 3857), b.tile, :extent, :buffer, true) AS geom
      FROM roads r, b
     WHERE /*where*/ AND ST_Intersects(r.geom, b.area)
)
SELECT m.mvt, md5(m.mvt) AS digest
  FROM (SELECT coalesce(ST_AsMVT(t, :layer, :extent, 'geom', 'id'), ''::bytea) AS mvt
          FROM t WHERE t.geom IS NOT NULL) m
