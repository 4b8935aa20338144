-- One Feature per jurisdiction; the geometry expression is chosen by the request (see
-- app/jurisdictions/repository.py) and put where the marker is. Level names are bound as JSON.
SELECT
    j.code,
    json_build_object(
        'type', 'Feature',
        'id', j.code,
        'geometry', /*geometry*/,
        'properties', json_build_object(
            'code', j.code,
            'name', j.name,
            'level', j.level,
            'level_name', CAST(:level_names AS jsonb) ->> j.level,
            'parent', j.parent_code,
            'parent_name', p.name,
            'has_outline', j.geom IS NOT NULL,
            'has_centre', j.centre IS NOT NULL,
            'source', j.source
        )
    ) AS feature
FROM jurisdictions j
LEFT JOIN jurisdictions p ON p.code = j.parent_code
