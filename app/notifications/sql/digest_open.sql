-- The open items of a jurisdiction that need someone today: overdue (超期) and due within :days
-- days, most urgent first. The same overdue rule as everywhere (hazard_due / hazard_overdue).
WITH today AS (SELECT ledger_today() AS d)
SELECT h.id AS hazard_id, h.kind, h.ledger_no, h.address, j.name AS county_name,
       hazard_due(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer)) AS due,
       hazard_overdue(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer), today.d) AS overdue,
       count(*) OVER () AS total
FROM hazards h
CROSS JOIN today
LEFT JOIN jurisdictions j ON j.code = h.county_code
WHERE h.deleted_at IS NULL
  AND h.status IN ('reported', 'claimed', 'rectifying', 'rectified')
  AND (CAST(:city_wide AS boolean) OR h.county_code = ANY(CAST(:counties AS text[])))
  AND (hazard_overdue(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer), today.d)
       OR hazard_due(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer))
          BETWEEN today.d AND today.d + CAST(:days AS integer))
ORDER BY due NULLS LAST, h.id
LIMIT :limit
