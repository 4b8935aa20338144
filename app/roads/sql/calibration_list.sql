-- The current mileposts, per code in the file's order.
SELECT p.id, p.road_code, p.chainage_m, p.seq, p.label, p.source, p.loaded_at,
       ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat
  FROM road_calibration_points p
 WHERE p.replaced_at IS NULL
   AND (CAST(:code AS text) IS NULL OR p.road_code = :code)
 ORDER BY p.road_code, p.seq, p.id
