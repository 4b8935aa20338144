-- What a field officer's phone keeps for working offline: the outlines of the officer's counties
-- (or of the whole city for a city-wide role), their township seats with names, and the roads
-- that cross them with each piece's chainage range — enough to draw a base map at field zoom and
-- to tell, before sending, which road and 桩号 a pin will snap to.
-- :codes is the list of county codes; NULL means every county of the city.
WITH area AS (
    SELECT j.code, j.name, j.geom
      FROM jurisdictions j
     WHERE j.level = 'county' AND j.parent_code = :city_code AND j.geom IS NOT NULL
       AND (CAST(:codes AS text[]) IS NULL OR j.code = ANY(CAST(:codes AS text[])))
), hull AS (
    SELECT ST_Union(geom) AS g FROM area
)
SELECT json_build_object(
    'outlines', (
        SELECT coalesce(json_agg(json_build_object(
                   'type', 'Feature',
                   'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.geom, 0.0003), 6)::json,
                   'properties', json_build_object('code', a.code, 'name', a.name)) ORDER BY a.code), '[]')
          FROM area a),
    'townships', (
        SELECT coalesce(json_agg(json_build_object(
                   'type', 'Feature',
                   'geometry', ST_AsGeoJSON(t.centre, 6)::json,
                   'properties', json_build_object('code', t.code, 'name', t.name, 'county', t.parent_code))
                   ORDER BY t.code), '[]')
          FROM jurisdictions t JOIN area a ON a.code = t.parent_code
         WHERE t.level = 'township' AND t.centre IS NOT NULL),
    'roads', (
        SELECT coalesce(json_agg(json_build_object(
                   'type', 'Feature',
                   'id', r.id,
                   'geometry', ST_AsGeoJSON(r.geom, 6)::json,
                   'properties', json_build_object(
                       'id', r.id, 'code', r.code, 'name', r.name, 'road_group', r.layer_group,
                       'start_chainage_m', r.start_chainage_m, 'length_m', r.length_m))
                   ORDER BY r.id), '[]')
          FROM roads r, hull
         WHERE r.geom && hull.g AND ST_Intersects(r.geom, hull.g))
)::text AS area
