SELECT n.id, n.event, n.hazard_id, h.kind, h.ledger_no, n.county_code, n.detail, n.created_at, n.read_at,
       n.candidate_id, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, k.name_zh, k.name_en
FROM notifications n
LEFT JOIN hazards h ON h.id = n.hazard_id
LEFT JOIN categories k ON k.code = h.category_code
LEFT JOIN accident_prone_candidates c ON c.id = n.candidate_id
LEFT JOIN LATERAL (SELECT ST_PointOnSurface(c.geom) AS geom) p ON true
WHERE n.user_id = :user_id
  AND (NOT CAST(:unread AS boolean) OR n.read_at IS NULL)
  AND (CAST(:before AS bigint) IS NULL OR n.id < :before)
ORDER BY n.id DESC
LIMIT :limit
