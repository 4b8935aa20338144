-- The crashes of the time window the detection cannot use: placed on no road (none was within the
-- snapping distance when they were imported), so that the run can say which they are.
SELECT c.id, c.occurred_at, ST_X(c.geom) AS lon, ST_Y(c.geom) AS lat, c.snap_distance_m, c.source_ref
  FROM crashes c
 WHERE c.occurred_at >= :since AND c.occurred_at < :until
   AND (c.road_id IS NULL OR c.chainage_m IS NULL)
 ORDER BY c.occurred_at, c.id
