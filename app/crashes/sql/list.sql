-- A page of crashes as GeoJSON features, newest first; callers replace /*where*/.
WITH matched AS (
    SELECT c.* FROM crashes c WHERE /*where*/
), page AS (
    SELECT * FROM matched ORDER BY occurred_at DESC, id DESC LIMIT :limit OFFSET :offset
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
                          'occurred_at', c.occurred_at,
                          'road_id', c.road_id,
                          'road_code', r.code,
                          'chainage_m', round(c.chainage_m::numeric, 1),
                          'chainage', /*chainage*/,
                          'snap_distance_m', round(c.snap_distance_m::numeric, 1),
                          'deaths', c.deaths,
                          'injuries', c.injuries,
                          'procedure', c.procedure,
                          'crash_type', c.crash_type,
                          'source_file', c.source_file,
                          'source_ref', c.source_ref))
                  ORDER BY c.occurred_at DESC, c.id DESC)
             FROM page c
             LEFT JOIN roads r ON r.id = c.road_id), '[]')::text AS features
