-- The ledger's figures of a period and of the one before, per county and for the city, with the
-- breakdowns by road group, grade and category. Days are Beijing days; a period is [start, end).
-- Bound: :tz, :county (null: every county and the city), :cur_start, :cur_end, :prev_start, :prev_end,
-- :today. Found = reported in the period (a duplicate is never found); closed = 销号 in the period;
-- rectified = found in the period and closed before its end; overdue = open at the period's end
-- (its last day, or today for a period still running) and due before that day (超期: the one
-- definition, app.overdue: past the deadline, or not yet claimed :claim_days after its report);
-- listed = put under supervision (挂牌督办) in the period; on time = closed in the period by the deadline.
WITH periods AS (
    SELECT 'current' AS period, CAST(:cur_start AS date) AS s, CAST(:cur_end AS date) AS e
    UNION ALL
    SELECT 'previous', CAST(:prev_start AS date), CAST(:prev_end AS date)
),
hz AS (
    SELECT h.county_code, h.status, h.grade, h.category_code, h.deadline, h.reported_at,
           (h.claimed_at AT TIME ZONE CAST(:tz AS text))::date AS claimed_on,
           coalesce(r.layer_group, 'none') AS road_group,
           (h.reported_at AT TIME ZONE CAST(:tz AS text))::date AS found_on,
           (h.closed_at AT TIME ZONE CAST(:tz AS text))::date AS closed_on,
           (h.supervised_since AT TIME ZONE CAST(:tz AS text))::date AS listed_on
      FROM hazards h
      LEFT JOIN roads r ON r.id = h.road_id
     WHERE h.deleted_at IS NULL
       AND (CAST(:county AS text) IS NULL OR h.county_code = CAST(:county AS text))
),
facts AS (
    SELECT p.period, h.county_code, h.road_group, h.grade, h.category_code,
           count(*) FILTER (WHERE f.found) AS found,
           count(*) FILTER (WHERE f.found AND h.status = 'rejected') AS rejected,
           count(*) FILTER (WHERE f.found AND h.status = 'closed' AND h.closed_on < p.e) AS rectified,
           count(*) FILTER (WHERE f.closed) AS closed,
           count(*) FILTER (WHERE f.closed AND h.deadline IS NOT NULL) AS timed_closed,
           count(*) FILTER (WHERE f.closed AND h.closed_on <= h.deadline) AS closed_on_time,
           count(*) FILTER (WHERE hazard_overdue_on(
                                  h.found_on < p.e AND h.status NOT IN ('rejected', 'duplicate')
                                  AND (h.closed_on IS NULL OR h.closed_on >= p.e),
                                  -- claimed by then (a claim without a recorded time: from the start)
                                  h.status <> 'reported' AND (h.claimed_on IS NULL OR h.claimed_on < p.e),
                                  h.reported_at, h.deadline, CAST(:claim_days AS integer),
                                  least(p.e - 1, CAST(:today AS date)))) AS overdue,
           count(*) FILTER (WHERE h.listed_on >= p.s AND h.listed_on < p.e) AS listed
      FROM hz h
     CROSS JOIN periods p
     CROSS JOIN LATERAL (
           SELECT h.found_on >= p.s AND h.found_on < p.e AND h.status <> 'duplicate' AS found,
                  h.status = 'closed' AND h.closed_on >= p.s AND h.closed_on < p.e AS closed
     ) f
     GROUP BY p.period, h.county_code, h.road_group, h.grade, h.category_code
)
SELECT period,
       CASE WHEN GROUPING(county_code) = 1 THEN NULL ELSE county_code END AS county_code,
       CASE WHEN GROUPING(road_group) = 0 THEN 'road_group'
            WHEN GROUPING(grade) = 0 THEN 'grade'
            WHEN GROUPING(category_code) = 0 THEN 'category'
            ELSE 'total' END AS dim,
       coalesce(CASE WHEN GROUPING(road_group) = 0 THEN road_group END,
                CASE WHEN GROUPING(grade) = 0 THEN grade END,
                CASE WHEN GROUPING(category_code) = 0 THEN category_code END) AS key,
       sum(found)::int AS found, sum(rejected)::int AS rejected, sum(rectified)::int AS rectified,
       sum(closed)::int AS closed, sum(timed_closed)::int AS timed_closed,
       sum(closed_on_time)::int AS closed_on_time, sum(overdue)::int AS overdue, sum(listed)::int AS listed
  FROM facts
 GROUP BY GROUPING SETS (
       (period, county_code), (period),
       (period, county_code, road_group), (period, road_group),
       (period, county_code, grade), (period, grade),
       (period, county_code, category_code), (period, category_code)
 )
