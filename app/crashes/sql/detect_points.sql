-- Flagged point windows that overlap or touch form one cluster; the busiest window of each
-- cluster gives the point: the middle of its crashes. Its evidence is every crash within the
-- radius of that point (a superset of the window's, so it meets the thresholds too).
INSERT INTO detect_found (kind, road_id, start_m, end_m, point_m)
WITH flagged AS (
    SELECT w.*,
           CASE WHEN first_bin <= max(end_bin) OVER (PARTITION BY road_id ORDER BY first_bin
                                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                THEN 0 ELSE 1 END AS starts_cluster
      FROM detect_windows w
     WHERE kind = 'point'
), numbered AS (
    SELECT flagged.*, sum(starts_cluster) OVER (PARTITION BY road_id ORDER BY first_bin) AS cluster
      FROM flagged
), best AS (
    SELECT DISTINCT ON (road_id, cluster) road_id, cluster, first_bin, end_bin
      FROM numbered
     ORDER BY road_id, cluster, n DESC, fatal DESC, ordinary DESC, first_bin
), centre AS (
    SELECT best.road_id, (min(b.lo) + max(b.hi)) / 2 AS c
      FROM best
      JOIN detect_bins b ON b.road_id = best.road_id AND b.k >= best.first_bin AND b.k < best.end_bin
     GROUP BY best.road_id, best.cluster
)
SELECT 'point', centre.road_id,
       greatest(r.s, c - CAST(:radius AS double precision)),
       least(r.s + r.len, c + CAST(:radius AS double precision)),
       c
  FROM centre
  JOIN detect_roads r USING (road_id)
