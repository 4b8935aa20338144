UPDATE import_boundaries
   SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_GeomFromWKB(wkb, 4326)), 3))
 WHERE reason IS NULL AND is_outline;
UPDATE import_boundaries SET centre = ST_GeomFromWKB(wkb, 4326)
 WHERE reason IS NULL AND NOT is_outline;
UPDATE import_boundaries SET reason = 'invalid geometry (no area left after repair)'
 WHERE reason IS NULL AND is_outline AND (geom IS NULL OR ST_IsEmpty(geom));
UPDATE import_boundaries s SET reason = 'code ' || s.code || ' exists as a ' || j.level || ', not a ' || CAST(:level AS text)
  FROM jurisdictions j
 WHERE s.reason IS NULL AND j.code = s.code AND j.level <> CAST(:level AS text);
UPDATE import_boundaries s SET reason = 'unknown parent code ' || s.parent_code
 WHERE s.reason IS NULL AND s.parent_code IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM jurisdictions j WHERE j.code = s.parent_code);
UPDATE import_boundaries s SET reason = 'outside the city'
  FROM jurisdictions c
 WHERE s.reason IS NULL AND CAST(:level AS text) <> 'city' AND c.code = :city_code AND c.geom IS NOT NULL
   AND NOT ST_Intersects(coalesce(s.geom, s.centre), c.geom)
   AND NOT ST_DWithin(coalesce(s.geom, s.centre)::geography, c.geom::geography, :tolerance_m)
