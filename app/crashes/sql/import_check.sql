-- A case number is imported once: again in a later file, or twice in this one, is refused.
UPDATE import_crashes s SET reason = 'already imported (ref ' || s.source_ref || ')'
  FROM crashes c
 WHERE s.reason IS NULL AND c.source_ref = s.source_ref;
UPDATE import_crashes s SET reason = 'ref ' || s.source_ref || ' is already on row ' || d.first_row
  FROM (SELECT source_ref, min(row_no) AS first_row FROM import_crashes
         WHERE reason IS NULL AND source_ref IS NOT NULL GROUP BY source_ref HAVING count(*) > 1) AS d
 WHERE s.reason IS NULL AND s.source_ref = d.source_ref AND s.row_no > d.first_row;
-- Road + chainage: the point of the piece of the route whose range holds the chainage.
WITH measured AS MATERIALIZED (
    SELECT r.id, r.code, r.start_chainage_m AS s, r.length_m AS len,
           r.measured AS m
      FROM roads r
     WHERE r.code IN (SELECT road_code FROM import_crashes WHERE reason IS NULL)
), placed AS (
    SELECT DISTINCT ON (i.row_no) i.row_no, m.id,
           road_point_at(m.m, least(greatest(i.chainage_m, m.s), m.s + m.len)) AS pt
      FROM import_crashes i
      JOIN measured m ON m.code = i.road_code
                     AND i.chainage_m BETWEEN m.s - :tolerance AND m.s + m.len + :tolerance
     WHERE i.reason IS NULL
     ORDER BY i.row_no, m.s, m.id
)
UPDATE import_crashes i SET road_id = p.id, geom = p.pt, snap_distance_m = 0
  FROM placed p
 WHERE p.row_no = i.row_no;
UPDATE import_crashes i
   SET reason = CASE WHEN EXISTS (SELECT 1 FROM roads r WHERE r.code = i.road_code)
                     THEN coalesce(/*chainage*/, i.chainage_m || ' m') || ' is beyond road ' || i.road_code
                     ELSE 'no road ' || i.road_code || ' in the network' END
 WHERE reason IS NULL AND road_code IS NOT NULL AND road_id IS NULL;
-- Lon/lat: inside the city (with the border tolerance), then snapped to the nearest road.
UPDATE import_crashes SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4326)
 WHERE reason IS NULL AND road_code IS NULL;
UPDATE import_crashes s SET reason = 'outside the city'
  FROM jurisdictions c
 WHERE s.reason IS NULL AND s.road_code IS NULL AND c.code = :city_code AND c.geom IS NOT NULL
   AND NOT ST_Intersects(s.geom, c.geom)
   AND NOT ST_DWithin(s.geom::geography, c.geom::geography, :border_m);
CREATE TEMP TABLE import_nearest ON COMMIT DROP AS
SELECT i.row_no, n.id AS road_id, n.distance_m
  FROM import_crashes i
 CROSS JOIN LATERAL (
       SELECT near.id, ST_Distance(near.geom::geography, i.geom::geography) AS distance_m
         FROM (SELECT r.id, r.geom FROM roads r ORDER BY r.geom <-> i.geom LIMIT 16) AS near
        ORDER BY 2, near.id
        LIMIT 1) AS n
 WHERE i.reason IS NULL AND i.road_code IS NULL AND n.distance_m <= :snap_m;
WITH measured AS MATERIALIZED (
    SELECT r.id, r.measured AS m
      FROM roads r
     WHERE r.id IN (SELECT road_id FROM import_nearest)
)
UPDATE import_crashes i
   SET road_id = n.road_id, snap_distance_m = n.distance_m,
       chainage_m = road_chainage_at(m.m, i.geom, CAST(:srid AS integer))
  FROM import_nearest n
  JOIN measured m ON m.id = n.road_id
 WHERE n.row_no = i.row_no
