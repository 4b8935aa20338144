-- One Feature per road (or road piece). Class and group names are bound as JSON; the chainage
-- marker becomes app.roads.chainage.chainage_sql over the piece's start and end.
SELECT
    r.id,
    json_build_object(
        'type', 'Feature',
        'id', r.id,
        'geometry', ST_AsGeoJSON(r.geom, 7)::json,
        'properties', json_build_object(
            'id', r.id,
            'code', r.code,
            'name', r.name,
            'class', r.road_class,
            'class_name', CAST(:class_names AS jsonb) ->> r.road_class,
            'road_group', r.layer_group,
            'road_group_name', CAST(:group_names AS jsonb) ->> r.layer_group,
            'start_chainage_m', r.start_chainage_m,
            'end_chainage_m', r.start_chainage_m + r.length_m,
            'length_m', r.length_m,
            'chainage', /*chainage*/,
            'schematic', r.schematic,
            'source', r.source
        )
    ) AS feature
FROM roads r
