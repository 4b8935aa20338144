-- Crashes and deaths (事故起数、死亡人数) in the period and in the same period a year earlier, per county
-- (the county whose outline holds the crash) and for the city (every crash record).
-- Bound: :tz, :county (null: all), :cur_start, :cur_end, :ago_start, :ago_end.
WITH periods AS (
    SELECT 'current' AS period, CAST(:cur_start AS date) AS s, CAST(:cur_end AS date) AS e
    UNION ALL
    SELECT 'year_earlier', CAST(:ago_start AS date), CAST(:ago_end AS date)
),
located AS (
    SELECT c.deaths, (c.occurred_at AT TIME ZONE CAST(:tz AS text))::date AS on_day, j.code AS county_code
      FROM crashes c
      LEFT JOIN LATERAL (
           SELECT code FROM jurisdictions
            WHERE level = 'county' AND geom && c.geom AND ST_Intersects(geom, c.geom)
            ORDER BY code LIMIT 1
      ) j ON true
)
SELECT p.period,
       CASE WHEN GROUPING(l.county_code) = 1 THEN NULL ELSE coalesce(l.county_code, '') END AS county_code,
       count(*)::int AS crashes,
       coalesce(sum(l.deaths), 0)::int AS deaths
  FROM located l
  JOIN periods p ON l.on_day >= p.s AND l.on_day < p.e
 WHERE CAST(:county AS text) IS NULL OR l.county_code = CAST(:county AS text)
 GROUP BY GROUPING SETS ((p.period, l.county_code), (p.period))
