-- Where a new or moved geometry lies, before anything is written:
--  * the first vertex farther than the tolerance (metres) outside the city outline (NULL: none,
--    or no city outline loaded, when the county below is NULL and the service refuses);
--  * the county and township that the BEFORE INSERT trigger hazards_assign (migration
--    foundation) would give it. Same rules, and they must stay in step with the trigger: the
--    anchor is the point, or a segment's midpoint; the county whose outline covers it, else the
--    nearest county within 500 m; the township whose outline covers it, else the nearest seat.
WITH g AS (
    SELECT geom,
           CASE WHEN ST_GeometryType(geom) = 'ST_Point' THEN geom
                ELSE ST_LineInterpolatePoint(geom, 0.5) END AS anchor
      FROM (SELECT ST_GeomFromWKB(:wkb, 4326) AS geom) s
),
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
),
county AS (
    SELECT coalesce(
        (SELECT j.code FROM jurisdictions j
          WHERE j.level = 'county' AND j.geom IS NOT NULL AND ST_Covers(j.geom, g.anchor)
          ORDER BY j.code LIMIT 1),
        (SELECT j.code FROM jurisdictions j
          WHERE j.level = 'county' AND j.geom IS NOT NULL
            AND ST_DWithin(j.geom::geography, g.anchor::geography, 500)
          ORDER BY ST_Distance(j.geom::geography, g.anchor::geography) LIMIT 1)
    ) AS code, g.anchor
      FROM g
)
SELECT
    (SELECT position FROM outside) AS outside_position,
    (SELECT metres FROM outside) AS outside_m,
    county.code AS county_code,
    coalesce(
        (SELECT j.code FROM jurisdictions j
          WHERE j.level = 'township' AND j.parent_code = county.code
            AND j.geom IS NOT NULL AND ST_Covers(j.geom, county.anchor)
          ORDER BY j.code LIMIT 1),
        (SELECT j.code FROM jurisdictions j
          WHERE j.level = 'township' AND j.parent_code = county.code AND j.centre IS NOT NULL
          ORDER BY j.centre <-> county.anchor LIMIT 1)
    ) AS township_code
FROM county
