-- Flagged segment windows that overlap (share a crash) merge into one stretch, walked in measure
-- order; a stretch that would grow beyond the maximum length (:max_len) ends there, and the next
-- one starts at the first crash after it, so no crash is evidence twice. A stretch is then
-- widened to at least one window around its middle, within its run.
INSERT INTO detect_found (kind, code, run, start_m, end_m)
WITH RECURSIVE flagged AS (
    SELECT code, run, a, b, reach, row_number() OVER (PARTITION BY code, run ORDER BY a) AS i
      FROM detect_windows
     WHERE kind = 'segment'
), walk AS (
    SELECT code, run, i, 1 AS piece, a AS s, b AS e, reach
      FROM flagged
     WHERE i = 1
    UNION ALL
    SELECT f.code, f.run, f.i,
           CASE WHEN joins THEN w.piece ELSE w.piece + 1 END,
           CASE WHEN joins THEN w.s
                WHEN f.a <= w.e THEN (SELECT min(d.m) FROM detect_crashes d
                                       WHERE d.code = f.code AND d.run = f.run AND d.m > w.e)
                ELSE f.a END,
           CASE WHEN joins THEN greatest(w.e, f.b) ELSE f.b END,
           CASE WHEN joins THEN greatest(w.reach, f.reach) ELSE f.reach END
      FROM walk w
      JOIN flagged f ON f.code = w.code AND f.run = w.run AND f.i = w.i + 1,
           LATERAL (SELECT f.a < w.reach AND f.b - w.s <= CAST(:max_len AS double precision) AS joins) AS j
), stretch AS (
    SELECT code, run, min(s) AS lo, max(e) AS hi FROM walk GROUP BY code, run, piece
)
SELECT 'segment', s.code, s.run,
       greatest(r.lo, least(CASE WHEN s.hi - s.lo >= r.w THEN s.lo ELSE (s.lo + s.hi - r.w) / 2 END,
                            r.hi - r.w)),
       least(r.hi, greatest(CASE WHEN s.hi - s.lo >= r.w THEN s.hi ELSE (s.lo + s.hi + r.w) / 2 END,
                            r.lo + r.w))
  FROM stretch s
  JOIN detect_runs r ON r.code = s.code AND r.run = s.run
