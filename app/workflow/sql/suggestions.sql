-- 挂牌督办 candidates: open, not listed, and overdue (Beijing date) or graded major (重大).
-- Most overdue first; hazards without a deadline (major but not yet started) after them.
WITH today AS (SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date AS d)
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
           h.deadline < today.d AS overdue,
           CASE WHEN h.deadline < today.d THEN today.d - h.deadline END AS days_overdue,
           array_remove(ARRAY[CASE WHEN h.deadline < today.d THEN 'overdue' END,
                              CASE WHEN h.grade = 'major' THEN 'major' END], NULL) AS reasons
      FROM hazards h
      CROSS JOIN today
      LEFT JOIN jurisdictions co ON co.code = h.county_code
     WHERE h.deleted_at IS NULL
       AND h.status IN ('reported', 'claimed', 'rectifying', 'rectified')
       AND h.supervision_level IS NULL
       AND (h.deadline < today.d OR h.grade = 'major')
) s
