-- 我的待办: the hazards of the user's counties (:city_wide: every county) that wait for someone, per list.
-- One row per (list, hazard); a hazard may be in several lists (overdue and supervised). The counts are
-- the window count of each list, over all its rows, while only the first :per_list rows come back.
-- Lists: to_claim (reported), due_soon (open, due within 7 days, Beijing date), overdue (open, past
-- its deadline or unclaimed too long: app.overdue's functions), to_verify (rectified, not by :actor, who may not close their own fix), supervised (open, listed).
WITH today AS (
    SELECT ledger_today() AS d
), scope AS (
    SELECT h.*, hazard_due(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer)) AS due
    FROM hazards h
    WHERE h.deleted_at IS NULL
      AND (:city_wide OR h.county_code = ANY(CAST(:counties AS text[])))
), listed AS (
    SELECT 'to_claim' AS list, s.* FROM scope s WHERE s.status = 'reported'
    UNION ALL
    SELECT 'due_soon', s.* FROM scope s, today
     WHERE s.due BETWEEN today.d AND today.d + 7
    UNION ALL
    SELECT 'overdue', s.* FROM scope s, today
     WHERE hazard_overdue(s.status, s.reported_at, s.deadline, CAST(:claim_days AS integer), today.d)
    UNION ALL
    SELECT 'to_verify', s.* FROM scope s
     WHERE s.status = 'rectified' AND s.rectified_by IS DISTINCT FROM :actor
    UNION ALL
    SELECT 'supervised', s.* FROM scope s
     WHERE s.status IN ('reported', 'claimed', 'rectifying', 'rectified') AND s.supervision_level IS NOT NULL
), ranked AS (
    SELECT l.*,
           count(*) OVER (PARTITION BY l.list) AS list_count,
           row_number() OVER (PARTITION BY l.list ORDER BY l.due NULLS LAST, l.reported_at, l.id) AS n
    FROM listed l
    WHERE l.list = ANY(CAST(:lists AS text[]))
)
SELECT k.list, k.list_count, k.id, k.kind, k.ledger_no, k.status, k.grade, k.deadline,
       k.due - today.d AS days_left, k.supervision_level, k.address, k.description,
       c.name_zh AS category_zh, c.name_en AS category_en, co.name AS county_name,
       r.code AS road_code, k.chainage_m, k.end_chainage_m
FROM ranked k
CROSS JOIN today
LEFT JOIN categories c ON c.code = k.category_code
LEFT JOIN jurisdictions co ON co.code = k.county_code
LEFT JOIN roads r ON r.id = k.road_id
WHERE k.n <= :per_list
ORDER BY k.list, k.n
