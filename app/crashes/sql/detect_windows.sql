-- Slide both windows along every road with crashes, one step (bin) at a time: the segment
-- window (its length per road class) and the point window (the radius on either side).
-- A window ending at bin k is the running total at k minus the running total nb bins before.
CREATE TEMP TABLE detect_windows ON COMMIT DROP AS
WITH road AS (
    SELECT r.road_id, r.last_bin,
           round(r.w / CAST(:step AS double precision))::integer AS nb_segment,
           round(2 * CAST(:radius AS double precision) / CAST(:step AS double precision))::integer AS nb_point
      FROM detect_roads r
     WHERE EXISTS (SELECT 1 FROM detect_bins b WHERE b.road_id = r.road_id)
), running AS (
    SELECT road.road_id, road.nb_segment, road.nb_point, g.k,
           (sum(coalesce(b.n, 0)) OVER w)::bigint AS n,
           (sum(coalesce(b.fatal, 0)) OVER w)::bigint AS fatal,
           (sum(coalesce(b.major, 0)) OVER w)::bigint AS major,
           (sum(coalesce(b.ordinary, 0)) OVER w)::bigint AS ordinary
      FROM road
     CROSS JOIN LATERAL generate_series(
               0, greatest(road.last_bin, road.nb_segment - 1, road.nb_point - 1)) AS g(k)
      LEFT JOIN detect_bins b ON b.road_id = road.road_id AND b.k = g.k
    WINDOW w AS (PARTITION BY road.road_id ORDER BY g.k)
), windows AS (
    SELECT road_id, 'segment' AS kind, k - nb_segment + 1 AS first_bin, k + 1 AS end_bin,
           n - lag(n, nb_segment, 0) OVER w AS n,
           fatal - lag(fatal, nb_segment, 0) OVER w AS fatal,
           major - lag(major, nb_segment, 0) OVER w AS major,
           ordinary - lag(ordinary, nb_segment, 0) OVER w AS ordinary
      FROM running
    WINDOW w AS (PARTITION BY road_id ORDER BY k)
    UNION ALL
    SELECT road_id, 'point', k - nb_point + 1, k + 1,
           n - lag(n, nb_point, 0) OVER w,
           fatal - lag(fatal, nb_point, 0) OVER w,
           major - lag(major, nb_point, 0) OVER w,
           ordinary - lag(ordinary, nb_point, 0) OVER w
      FROM running
    WINDOW w AS (PARTITION BY road_id ORDER BY k)
)
-- A window sticking out before the road's start holds a subset of the first full one.
SELECT * FROM windows WHERE first_bin >= 0 AND cardinality(/*reasons*/) > 0
