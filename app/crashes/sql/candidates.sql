-- A page of accident-prone candidates as GeoJSON features; callers replace /*where*/.
WITH matched AS (
    SELECT c.* FROM accident_prone_candidates c WHERE /*where*/
), page AS (
    SELECT * FROM matched ORDER BY crash_count DESC, id LIMIT :limit OFFSET :offset
)
SELECT (SELECT count(*) FROM matched) AS matched,
       (SELECT count(*) FROM page) AS returned,
       coalesce((
           SELECT json_agg(json_build_object(
                      'type', 'Feature',
                      'id', c.id,
                      'geometry', ST_AsGeoJSON(c.geom, 7)::json,
                      'properties', json_build_object(
                          'id', c.id,
                          'kind', c.kind,
                          'status', c.status,
                          'road_id', c.road_id,
                          'road_code', c.road_code,
                          'start_chainage_m', round(c.start_chainage_m::numeric, 1),
                          'end_chainage_m', round(c.end_chainage_m::numeric, 1),
                          'point_chainage_m', round(c.point_chainage_m::numeric, 1),
                          'chainage', CASE c.kind WHEN 'point' THEN /*point_chainage*/
                                                  ELSE /*segment_chainage*/ END,
                          'crash_count', c.crash_count,
                          'fatal_crashes', c.fatal_crashes,
                          'ordinary_crashes', c.ordinary_crashes,
                          'deaths', c.deaths,
                          'injuries', c.injuries,
                          'crash_ids', c.crash_ids,
                          'reasons', c.reasons,
                          'since', c.since,
                          'until', c.until,
                          'params', c.params,
                          'detected_at', c.detected_at,
                          'hazard_id', c.hazard_id,
                          'ledger_no', h.ledger_no,
                          'decided_at', c.decided_at,
                          'decided_by', c.decided_by,
                          'decision_note', c.decision_note))
                  ORDER BY c.crash_count DESC, c.id)
             FROM page c
             LEFT JOIN hazards h ON h.id = c.hazard_id), '[]')::text AS features
