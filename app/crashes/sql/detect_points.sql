-- Flagged point windows that overlap (share a crash) form one cluster; the busiest window of each
-- cluster gives the point: the middle of its crashes. Its evidence is every crash within the
-- radius of that point (a superset of the window's, so it meets the rules too).
INSERT INTO detect_found (kind, code, run, start_m, end_m, point_m)
WITH flagged AS (
    SELECT w.*,
           CASE WHEN a < max(reach) OVER (PARTITION BY code, run ORDER BY a
                                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                THEN 0 ELSE 1 END AS starts_cluster
      FROM detect_windows w
     WHERE kind = 'point'
), numbered AS (
    SELECT flagged.*, sum(starts_cluster) OVER (PARTITION BY code, run ORDER BY a) AS cluster
      FROM flagged
), best AS (
    SELECT DISTINCT ON (code, run, cluster) code, run, (a + b) / 2 AS c
      FROM numbered
     ORDER BY code, run, cluster, n DESC, fatal DESC, ordinary DESC, a
)
SELECT 'point', best.code, best.run,
       greatest(r.lo, c - CAST(:radius AS double precision)),
       least(r.hi, c + CAST(:radius AS double precision)),
       c
  FROM best
  JOIN detect_runs r ON r.code = best.code AND r.run = best.run
