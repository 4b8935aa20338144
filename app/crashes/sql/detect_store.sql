-- What is still awaiting review is replaced by this run's findings; what an officer accepted or
-- dismissed stays, and a finding overlapping it on the same route (a point inside a decided
-- segment, or the same kind overlapping) is not proposed again.
DELETE FROM accident_prone_candidates WHERE status = 'candidate';
WITH measured AS MATERIALIZED (
    SELECT r.id, r.code, r.measured AS m, dr.w
      FROM roads r
      JOIN detect_roads dr ON dr.road_id = r.id
     WHERE r.id IN (SELECT road_id FROM detect_found)
), fresh AS (
    SELECT f.*, measured.code, measured.w,
           CASE f.kind WHEN 'point' THEN road_point_at(measured.m, f.point_m)
                       ELSE road_line_between(measured.m, f.start_m, f.end_m) END AS geom
      FROM detect_found f
      JOIN measured ON measured.id = f.road_id
)
INSERT INTO accident_prone_candidates (
    kind, road_id, road_code, start_chainage_m, end_chainage_m, point_chainage_m, geom,
    crash_count, fatal_crashes, ordinary_crashes, deaths, injuries, crash_ids, reasons,
    since, until, params
)
SELECT kind, road_id, code, start_m, end_m, point_m, geom,
       n, fatal, ordinary, deaths, injuries, crash_ids, /*reasons*/,
       :since, :until, CAST(:params AS jsonb) || jsonb_build_object('window_m', w)
  FROM fresh
 WHERE geom IS NOT NULL
   AND NOT EXISTS (
       SELECT 1 FROM accident_prone_candidates d
        WHERE d.status <> 'candidate' AND d.road_code = fresh.code
          AND d.start_chainage_m <= fresh.end_m AND fresh.start_m <= d.end_chainage_m
          AND (d.kind = fresh.kind OR d.kind = 'segment'))
 ORDER BY road_id, start_m
