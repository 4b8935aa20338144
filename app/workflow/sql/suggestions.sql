-- 挂牌督办 candidates: open, not listed, and overdue (app.overdue's one definition, Beijing date) or
-- graded major (重大). Most overdue first; hazards not yet due (major ones) after them.
WITH today AS (SELECT ledger_today() AS d)
SELECT coalesce(json_agg(s ORDER BY s.days_overdue DESC NULLS LAST, s.id), '[]'::json)::text
FROM (
    SELECT h.id,
           h.ledger_no,
           h.kind,
           h.status,
           h.grade,
           h.county_code AS county,
           co.name AS county_name,
           h.deadline,
           d.overdue,
           CASE WHEN d.overdue THEN today.d - d.due END AS days_overdue,
           array_remove(ARRAY[CASE WHEN d.overdue THEN 'overdue' END,
                              CASE WHEN h.grade = 'major' THEN 'major' END], NULL) AS reasons
      FROM hazards h
      CROSS JOIN today
      CROSS JOIN LATERAL (
          SELECT hazard_due(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer)) AS due,
                 hazard_overdue(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer),
                                today.d) AS overdue
      ) d
      LEFT JOIN jurisdictions co ON co.code = h.county_code
     WHERE h.deleted_at IS NULL
       AND h.status IN ('reported', 'claimed', 'rectifying', 'rectified')
       AND h.supervision_level IS NULL
       AND (d.overdue OR h.grade = 'major')
) s
