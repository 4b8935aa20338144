-- 摘牌 (delisted from supervision) per county and period, from the hazards' history.
-- Bound as ledger.sql.
WITH periods AS (
    SELECT 'current' AS period, CAST(:cur_start AS date) AS s, CAST(:cur_end AS date) AS e
    UNION ALL
    SELECT 'previous', CAST(:prev_start AS date), CAST(:prev_end AS date)
)
SELECT p.period,
       CASE WHEN GROUPING(h.county_code) = 1 THEN NULL ELSE h.county_code END AS county_code,
       count(*)::int AS delisted
  FROM hazard_events ev
  JOIN hazards h ON h.id = ev.hazard_id AND h.deleted_at IS NULL
  JOIN periods p ON (ev.at AT TIME ZONE CAST(:tz AS text))::date >= p.s
                AND (ev.at AT TIME ZONE CAST(:tz AS text))::date < p.e
 WHERE ev.action = 'delist'
   AND (CAST(:county AS text) IS NULL OR h.county_code = CAST(:county AS text))
 GROUP BY GROUPING SETS ((p.period, h.county_code), (p.period))
