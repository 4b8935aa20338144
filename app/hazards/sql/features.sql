-- One GeoJSON Feature per hazard, built by PostGIS. Composed into list.sql and one.sql, which
-- append their WHERE; the chainage marker becomes app.roads.chainage.chainage_sql.
-- The properties are a row turned into JSON (row_to_json), keyed by the column aliases: more
-- compact than json_build_object's output (no spaces around the colons) and a little faster.
-- one.sql puts the reports merged into the hazard at /*duplicates*/ (lists and exports leave it out);
-- the geometry marker is GeoJSON of h.geom (app.hazards.repository.geojson, or a reader's CRS).
-- 7 decimals of a degree is about 1 cm: finer than any survey in the ledger, and a third shorter.
SELECT
    h.id,
    h.kind,
    h.version,
    h.deleted_at,
    json_build_object(
        'type', 'Feature',
        'id', h.id,
        'geometry', /*geometry*/,
        'properties', (
            SELECT row_to_json(p) FROM (
                SELECT
                    h.id,
                    h.uid,
                    h.ledger_no,
                    h.kind,
                    h.category_code AS category,
                    c.name_zh AS category_name,
                    h.visibility,
                    h.grade,
                    h.source,
                    h.description,
                    h.address,
                    h.status,
                    h.county_code AS county,
                    co.name AS county_name,
                    h.township_code AS township,
                    tw.name AS township_name,
                    h.zone_code AS zone,
                    zo.name AS zone_name,
                    h.village_code AS village,
                    vi.name AS village_name,
                    r.code AS road_code,
                    r.name AS road_name,
                    r.layer_group AS road_group,
                    h.chainage_m,
                    h.end_chainage_m,
                    /*chainage*/ AS chainage,
                    h.direction,
                    h.reported_at,
                    h.deadline,
                    -- Derived, never stored: 超期 by its one definition (app.overdue), today in Beijing.
                    hazard_overdue(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer),
                                   ledger_today()) AS overdue,
                    h.supervision_level IS NOT NULL AS supervised,
                    h.supervision_level,
                    h.supervised_since,
                    h.duplicate_of,
                    /*duplicates*/
                    h.created_at,
                    h.updated_at,
                    h.version,
                    h.demo
            ) p
        )
    ) AS feature
FROM hazards h
LEFT JOIN categories c ON c.code = h.category_code
LEFT JOIN jurisdictions co ON co.code = h.county_code
LEFT JOIN jurisdictions tw ON tw.code = h.township_code
LEFT JOIN jurisdictions zo ON zo.code = h.zone_code
LEFT JOIN jurisdictions vi ON vi.code = h.village_code
LEFT JOIN roads r ON r.id = h.road_id
