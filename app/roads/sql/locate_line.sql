-- The stretch of a route between two chainages, cut from every piece of the route it crosses
-- and joined in chainage order; covered_m says how much of it the pieces actually hold.
WITH piece AS (
    SELECT r.id, r.code, r.name, r.start_chainage_m AS s, r.length_m, r.measured,
           greatest(CAST(:lo AS double precision), r.start_chainage_m) AS a,
           least(CAST(:hi AS double precision), r.start_chainage_m + r.length_m) AS b
      FROM roads r
     WHERE r.code = :code
       AND r.start_chainage_m < :hi AND r.start_chainage_m + r.length_m > :lo
), cut AS (
    SELECT piece.*, road_line_between(measured, a, b) AS line
      FROM piece
     WHERE b - a > 0.01
), joined AS (
    SELECT array_agg(id ORDER BY s, id) AS road_ids, min(name) AS road_name,
           sum(b - a) AS covered_m, ST_MakeLine(array_agg(line ORDER BY s, id)) AS line
      FROM cut
)
SELECT road_ids[1] AS road_id, road_ids, road_name, covered_m,
       ST_AsText(oriented.line) AS wkt, ST_AsGeoJSON(oriented.line) AS geojson,
       ST_Length(oriented.line::geography) AS length_m
  FROM joined,
       LATERAL (SELECT CASE WHEN :reverse THEN ST_Reverse(joined.line) ELSE joined.line END AS line)
           AS oriented
 WHERE joined.line IS NOT NULL
