-- Flagged segment windows that overlap or touch become one stretch; the stretch is then cut
-- down to its outermost crashes (the sliding leaves crash-free road at both ends), but kept at
-- least one window long, within the road.
INSERT INTO detect_found (kind, road_id, start_m, end_m)
WITH flagged AS (
    SELECT road_id, first_bin, end_bin,
           CASE WHEN first_bin <= max(end_bin) OVER (PARTITION BY road_id ORDER BY first_bin
                                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                THEN 0 ELSE 1 END AS starts_stretch
      FROM detect_windows
     WHERE kind = 'segment'
), numbered AS (
    SELECT road_id, first_bin, end_bin,
           sum(starts_stretch) OVER (PARTITION BY road_id ORDER BY first_bin) AS stretch
      FROM flagged
), merged AS (
    SELECT road_id, min(first_bin) AS b0, max(end_bin) AS b1 FROM numbered GROUP BY road_id, stretch
), span AS (
    SELECT m.road_id, min(b.lo) AS lo, max(b.hi) AS hi
      FROM merged m
      JOIN detect_bins b ON b.road_id = m.road_id AND b.k >= m.b0 AND b.k < m.b1
     GROUP BY m.road_id, m.b0
)
SELECT 'segment', span.road_id,
       greatest(r.s, least(CASE WHEN hi - lo >= r.w THEN lo ELSE (lo + hi - r.w) / 2 END,
                           r.s + r.len - r.w)),
       least(r.s + r.len, greatest(CASE WHEN hi - lo >= r.w THEN hi ELSE (lo + hi + r.w) / 2 END,
                                   r.s + r.w))
  FROM span
  JOIN detect_roads r USING (road_id)
