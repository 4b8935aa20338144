-- One hazard or segment for its record page (一点一档): every ledger field, its place and road by name,
-- whether it is overdue and the days left until it is due (app.overdue's functions, Beijing date), the reports merged into it, its geometry and the stretch of its
-- road around it (2 km each way) for the small map.
SELECT
    h.id, h.kind, h.version, h.ledger_no, h.uid::text AS uid,
    h.category_code, c.name_zh AS category_zh, c.name_en AS category_en,
    h.visibility, h.grade, h.source, h.description, h.address, h.status,
    h.county_code, co.name AS county_name, h.township_code, tw.name AS township_name,
    h.zone_code, zo.name AS zone_name, h.village_code, vi.name AS village_name,
    r.code AS road_code, r.name AS road_name, r.layer_group AS road_group,
    h.chainage_m, h.end_chainage_m, h.direction,
    h.reported_at, h.deadline,
    hazard_due(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer)) - ledger_today() AS days_left,
    h.deadline - ledger_today() AS deadline_left,
    CASE WHEN h.status = 'reported'
         THEN hazard_due_on(false, h.reported_at, NULL, CAST(:claim_days AS integer)) END AS claim_due,
    hazard_overdue(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer), ledger_today()) AS overdue,
    h.claim_name, h.claim_post, h.claim_unit, h.claimed_at,
    h.measures, h.interim_measures,
    h.evidence, h.evidence_photos, h.rectified_by, h.rectified_at,
    h.verifier, h.verification, h.closed_at,
    h.reject_reason,
    h.duplicate_of, d.ledger_no AS duplicate_of_no, d.kind AS duplicate_of_kind,
    h.supervision_level, h.supervision_reason, h.supervised_since,
    h.created_by, h.created_at, h.updated_at, h.deleted_at, h.demo,
    (SELECT coalesce(json_agg(json_build_object('id', x.id, 'kind', x.kind, 'ledger_no', x.ledger_no)
                              ORDER BY x.id), '[]'::json)
       FROM hazards x WHERE x.duplicate_of = h.id AND x.deleted_at IS NULL) AS duplicates,
    ST_AsGeoJSON(h.geom, 7)::json AS geometry,
    CASE WHEN r.id IS NOT NULL THEN
        ST_AsGeoJSON(ST_Intersection(r.geom, ST_Buffer(h.geom::geography, 2000)::geometry), 6)::json
    END AS road_geometry
FROM hazards h
LEFT JOIN categories c ON c.code = h.category_code
LEFT JOIN jurisdictions co ON co.code = h.county_code
LEFT JOIN jurisdictions tw ON tw.code = h.township_code
LEFT JOIN jurisdictions zo ON zo.code = h.zone_code
LEFT JOIN jurisdictions vi ON vi.code = h.village_code
LEFT JOIN roads r ON r.id = h.road_id
LEFT JOIN hazards d ON d.id = h.duplicate_of
WHERE h.id = :id
