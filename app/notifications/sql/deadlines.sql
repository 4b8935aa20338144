-- The open hazards whose day (hazard_due: the deadline, or the claim's last day while unclaimed)
-- falls within :days days (due_soon) or has passed (overdue, by hazard_overdue), told to each recipient
-- once per hazard and due day: a deadline moved is a new day, told again. The key's unique index makes
-- a second run, or a run beside another worker's, insert nothing; NOT EXISTS spares the index the
-- rows told before.
INSERT INTO notifications (user_id, event, hazard_id, county_code, detail, once_key)
SELECT u.id, CAST(:event AS text), h.id, h.county_code, CAST(d.due AS text), k.once_key
FROM hazards h
CROSS JOIN LATERAL (
  SELECT hazard_due(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer)) AS due
) d
CROSS JOIN LATERAL (SELECT CAST(:event AS text) || ':' || h.id || ':' || d.due AS once_key) k
JOIN users u
  ON NOT u.disabled
 AND u.role = ANY(CAST(:roles AS text[]))
 AND (
   u.role = ANY(CAST(:city_wide AS text[]))
   OR EXISTS (SELECT 1 FROM user_jurisdictions j WHERE j.user_id = u.id AND j.county_code = h.county_code)
 )
WHERE h.deleted_at IS NULL
  AND h.status = ANY(CAST(:open AS text[]))
  AND d.due IS NOT NULL
  AND CASE WHEN CAST(:event AS text) = 'overdue'
           THEN hazard_overdue(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer), ledger_today())
           ELSE d.due BETWEEN ledger_today() AND ledger_today() + CAST(:days AS integer)
      END
  AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = u.id AND n.once_key = k.once_key)
ON CONFLICT (user_id, once_key) WHERE once_key IS NOT NULL DO NOTHING
RETURNING id
