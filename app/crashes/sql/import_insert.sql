INSERT INTO crashes (occurred_at, geom, road_id, chainage_m, snap_distance_m, deaths, injuries,
                     procedure, crash_type, source_file, source_ref)
SELECT occurred_at, geom, road_id, chainage_m, snap_distance_m, deaths, injuries,
       procedure, crash_type, CAST(:source_file AS text), source_ref
  FROM import_crashes
 WHERE reason IS NULL
 ORDER BY row_no
