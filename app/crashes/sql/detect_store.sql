-- What is still awaiting review is replaced by this run's findings; what an officer accepted or
-- dismissed stays, and a finding overlapping it on the same route (a point inside a decided
-- segment, or the same kind overlapping) is not proposed again.
DELETE FROM accident_prone_candidates WHERE status = 'candidate';
INSERT INTO accident_prone_candidates (
    kind, road_id, road_code, start_chainage_m, end_chainage_m, point_chainage_m, geom,
    crash_count, fatal_crashes, ordinary_crashes, deaths, injuries, crash_ids, reasons,
    since, until, params
)
SELECT f.kind, f.road_id, f.code, f.start_m, f.end_m, f.point_m, f.geom,
       n, fatal, ordinary, deaths, injuries, crash_ids, /*reasons*/,
       :since, :until, CAST(:params AS jsonb) || jsonb_build_object('window_m', r.w)
  FROM detect_found f
  JOIN detect_runs r ON r.code = f.code AND r.run = f.run
 WHERE NOT EXISTS (
       SELECT 1 FROM accident_prone_candidates d
        WHERE d.status <> 'candidate' AND d.road_code = f.code
          AND d.start_chainage_m <= f.end_m AND f.start_m <= d.end_chainage_m
          AND (d.kind = f.kind OR d.kind = 'segment'))
 ORDER BY f.code, f.start_m
