-- One Mapbox vector tile of hazards (points or segments), with its md5 for the ETag (app.hazards.provider,
-- for the tiles). The where marker becomes the list's filter clauses over hazards h.
-- Rows are found in WGS84 with the GiST index on h.geom: a Web Mercator tile is a lon/lat
-- rectangle too (the projection is cylindrical), so its transformed corners bound it exactly;
-- the margin lets lines and symbols that cross the edge draw on both tiles.
WITH b AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS tile,
           ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS area
), t AS (
    SELECT h.id, h.ledger_no, h.kind, h.category_code AS category, h.status, h.grade, h.visibility,
           h.county_code AS county, h.version,
           -- 超期, by its one definition (app.overdue)
           hazard_overdue(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer), ledger_today())
               AS overdue,
           ST_AsMVTGeom(ST_Transform(h.geom, 3857), b.tile, :extent, :buffer, true) AS geom
      FROM hazards h, b
     WHERE /*where*/ AND ST_Intersects(h.geom, b.area)
)
SELECT m.mvt, md5(m.mvt) AS digest
  FROM (SELECT coalesce(ST_AsMVT(t, :layer, :extent, 'geom', 'id'), ''::bytea) AS mvt
          FROM t WHERE t.geom IS NOT NULL) m
