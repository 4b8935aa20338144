-- The live demo rows per county, as the load prints them. :open lists the open statuses
-- (app.vocab.OPEN_STATUSES); overdue by its one definition (app.overdue), today in Beijing.
SELECT c.code, c.name,
       count(*) FILTER (WHERE h.kind = 'point') AS points,
       count(*) FILTER (WHERE h.kind = 'segment') AS segments,
       count(*) FILTER (WHERE h.status = ANY(:open)) AS open,
       count(*) FILTER (WHERE h.status = 'closed') AS closed,
       count(*) FILTER (WHERE hazard_overdue(h.status, h.reported_at, h.deadline,
                                             CAST(:claim_days AS integer), ledger_today())) AS overdue
  FROM jurisdictions c
  JOIN hazards h ON h.county_code = c.code AND h.demo AND h.deleted_at IS NULL
 WHERE c.level = 'county'
 GROUP BY c.code, c.name
 ORDER BY c.code;
