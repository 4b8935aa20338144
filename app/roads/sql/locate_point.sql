-- The point at a chainage on a route; of the pieces sharing the code, the one whose
-- [start, start + length] holds it (a chainage a hair beyond an end is taken as the end).
SELECT r.id AS road_id, r.code AS road_code, r.name AS road_name,
       CAST(:chainage AS double precision) AS chainage_m, ST_X(p.pt) AS lon, ST_Y(p.pt) AS lat
  FROM roads r,
       LATERAL (SELECT road_point_at(
                   r.measured,
                   least(greatest(CAST(:chainage AS double precision), r.start_chainage_m),
                         r.start_chainage_m + r.length_m)) AS pt) AS p
 WHERE r.code = :code
   AND CAST(:chainage AS double precision)
       BETWEEN r.start_chainage_m - :tolerance AND r.start_chainage_m + r.length_m + :tolerance
 ORDER BY r.start_chainage_m, r.id
 LIMIT 1
