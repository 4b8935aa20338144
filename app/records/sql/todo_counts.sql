-- The counts of 我的待办's lists (the same rules as todo.sql), one row. Due and overdue: app.overdue.
WITH today AS (
    SELECT ledger_today() AS d
)
SELECT
    count(*) FILTER (WHERE h.status = 'reported') AS to_claim,
    count(*) FILTER (WHERE hazard_due(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer))
                           BETWEEN today.d AND today.d + 7) AS due_soon,
    count(*) FILTER (WHERE hazard_overdue(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer),
                                          today.d)) AS overdue,
    count(*) FILTER (WHERE h.status = 'rectified' AND h.rectified_by IS DISTINCT FROM :actor) AS to_verify,
    count(*) FILTER (WHERE h.status IN ('reported', 'claimed', 'rectifying', 'rectified')
                       AND h.supervision_level IS NOT NULL) AS supervised
FROM hazards h
CROSS JOIN today
WHERE h.deleted_at IS NULL
  AND (:city_wide OR h.county_code = ANY(CAST(:counties AS text[])))
