-- Where a new or moved geometry lies, before anything is written:
--  * the first vertex farther than the tolerance (metres) outside the city outline (NULL: none,
--    or no city outline loaded, when the county below is NULL and the service refuses);
--  * the county and township from hazard_place(), the same function the BEFORE INSERT trigger
--    hazards_assign calls (migration category_admin_and_hazard_place).
WITH g AS (SELECT ST_GeomFromWKB(:wkb, 4326) AS geom),
city AS (
    SELECT j.geom FROM jurisdictions j
     WHERE j.code = :city_code AND j.level = 'city' AND j.geom IS NOT NULL
),
outside AS (
    SELECT coalesce(d.path[1], 1) AS position,
           ST_Distance(city.geom::geography, d.geom::geography) AS metres
      FROM g, city, ST_DumpPoints(g.geom) d
     WHERE NOT ST_Covers(city.geom, d.geom)
       AND NOT ST_DWithin(city.geom::geography, d.geom::geography, :tolerance_m)
     ORDER BY 1
     LIMIT 1
)
SELECT
    (SELECT position FROM outside) AS outside_position,
    (SELECT metres FROM outside) AS outside_m,
    p.county_code,
    p.township_code
FROM g, hazard_place(g.geom) p
