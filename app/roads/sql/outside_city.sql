-- How far (metres) a WGS84 pin lies outside the city outline beyond the tolerance; no row when it is
-- within (or when no city outline is loaded).
WITH pin AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g)
SELECT ST_Distance(j.geom::geography, pin.g::geography) AS metres
  FROM jurisdictions j, pin
 WHERE j.code = :city_code AND j.level = 'city' AND j.geom IS NOT NULL
   AND NOT ST_Covers(j.geom, pin.g)
   AND NOT ST_DWithin(j.geom::geography, pin.g::geography, :tolerance_m)
