-- The headline numbers of a unit's ledger (the whole ledger, not the poster's filter), by the rules of
-- the statistics: a duplicate is not found; 整改率 = closed / (found − rejected).
-- Bound: :county (null for the whole city), :open_statuses, :today, :claim_days (超期: app.overdue).
SELECT count(*) FILTER (WHERE h.status <> 'duplicate') AS found,
       count(*) FILTER (WHERE h.status = ANY (CAST(:open_statuses AS text[]))) AS open,
       count(*) FILTER (WHERE h.status = 'closed') AS closed,
       count(*) FILTER (WHERE h.status = 'rejected') AS rejected,
       count(*) FILTER (WHERE hazard_overdue(h.status, h.reported_at, h.deadline,
                                             CAST(:claim_days AS integer), CAST(:today AS date))) AS overdue,
       count(*) FILTER (WHERE h.supervision_level IS NOT NULL) AS supervised
  FROM hazards h
 WHERE h.deleted_at IS NULL
   AND (CAST(:county AS text) IS NULL OR h.county_code = CAST(:county AS text))
