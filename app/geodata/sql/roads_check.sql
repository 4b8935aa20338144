UPDATE import_roads SET geom = ST_GeomFromWKB(wkb, 4326) WHERE reason IS NULL;
UPDATE import_roads SET reason = 'invalid geometry: ' || ST_IsValidReason(geom)
 WHERE reason IS NULL AND NOT ST_IsValid(geom);
-- Parts that join end to end become one line; parts that do not stay a MultiLineString.
UPDATE import_roads SET geom = ST_LineMerge(geom)
 WHERE reason IS NULL AND ST_GeometryType(geom) = 'ST_MultiLineString';
UPDATE import_roads SET reason = 'zero-length line'
 WHERE reason IS NULL AND ST_Length(geom) = 0;
-- The cheap planar test first; the geodesic one only for lines just outside the outline.
UPDATE import_roads s SET reason = 'outside the city'
  FROM jurisdictions c
 WHERE s.reason IS NULL AND c.code = :city_code AND c.geom IS NOT NULL
   AND NOT ST_Intersects(s.geom, c.geom)
   AND NOT ST_DWithin(s.geom::geography, c.geom::geography, :tolerance_m)
