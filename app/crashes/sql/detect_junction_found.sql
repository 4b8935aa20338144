-- A junction finding placed on its route at chainage :m (by the caller, through the roads'
-- linear referencing): a point whose evidence is the junction's crashes.
INSERT INTO detect_found (kind, code, run, start_m, end_m, point_m, junction, crash_ids)
SELECT 'point', j.code, p.run,
       greatest(r.lo, CAST(:m AS double precision) - CAST(:radius AS double precision)),
       least(r.hi, CAST(:m AS double precision) + CAST(:radius AS double precision)),
       :m, true, j.crash_ids
  FROM detect_junctions j
  JOIN detect_pieces p ON p.road_id = :road_id
  JOIN detect_runs r ON r.code = p.code AND r.run = p.run
 WHERE j.j = :j
