-- Every hazard that matches, one row each in id order, for a streamed export (app.hazards.provider).
-- The where marker becomes the list's filter clauses over hazards h, the features marker features.sql.
-- The WKT and a point's longitude/latitude are for CSV (spreadsheets); the feature for GeoJSON.
SELECT f.feature::text AS feature,
       (f.feature -> 'properties')::text AS properties,
       ST_AsText(g.geom, 7) AS wkt,
       CASE WHEN g.kind = 'point' THEN round(ST_X(g.geom)::numeric, 7) END AS longitude,
       CASE WHEN g.kind = 'point' THEN round(ST_Y(g.geom)::numeric, 7) END AS latitude
  FROM (/*features*/ WHERE /*where*/) f
  JOIN hazards g ON g.id = f.id
 ORDER BY f.id
