SELECT set_config('hazardmap.actor', CAST(:actor AS text), true),
       set_config('hazardmap.action', 'import', true);
INSERT INTO hazards (uid, kind, category_code, visibility, grade, source, description, address, status,
                     road_id, chainage_m, end_chainage_m, geom, reported_at, deadline, claim_name, claim_post,
                     claim_unit, claimed_at, measures, rectified_by, rectified_at, verifier, closed_at,
                     created_by, updated_by)
SELECT coalesce(uid, gen_random_uuid()), kind, category_code, visibility, grade, source, description,
       address, status, road_id, CASE WHEN road_id IS NOT NULL THEN chainage_m END,
       CASE WHEN road_id IS NOT NULL THEN end_chainage_m END, geom, coalesce(reported_at, now()), deadline,
       claim_name, claim_post, claim_unit, claimed_at, measures, rectified_by, rectified_at, verifier,
       closed_at, CAST(:actor AS text), CAST(:actor AS text)
  FROM import_rows
 WHERE reason IS NULL
 ORDER BY row_no
