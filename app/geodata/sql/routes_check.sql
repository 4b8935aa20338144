UPDATE import_routes SET geom = ST_GeomFromWKB(wkb, 4326);
UPDATE import_routes SET reason = 'invalid geometry: ' || ST_IsValidReason(geom)
 WHERE reason IS NULL AND NOT ST_IsValid(geom);
-- With a county: only the part of each route inside its outline is imported, and only that
-- county's pieces of the route are replaced.
UPDATE import_routes s SET geom = ST_LineMerge(ST_CollectionExtract(ST_Intersection(s.geom, c.geom), 2))
  FROM jurisdictions c
 WHERE s.reason IS NULL AND CAST(:county AS text) IS NOT NULL AND c.code = :county;
UPDATE import_routes SET reason = 'not in the county'
 WHERE reason IS NULL AND (geom IS NULL OR ST_IsEmpty(geom) OR ST_Length(geom) = 0);
UPDATE import_routes s SET reason = 'outside the city'
  FROM jurisdictions c
 WHERE s.reason IS NULL AND c.code = :city_code AND c.geom IS NOT NULL
   AND NOT ST_Intersects(s.geom, c.geom)
   AND NOT ST_DWithin(s.geom::geography, c.geom::geography, :tolerance_m)
