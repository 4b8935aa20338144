-- Ledger statistics for the city and each of its counties and zones, in one pass over the ledger.
-- Bound (see params): the users' time zone for "today", the city's code, the open statuses, and the
-- road groups (with 'none' for hazards on no known road) and grades in the order pages show them.
WITH params AS (
    -- Each value bound once, with its type, so the statement prepares the same way every time.
    SELECT CAST(:tz AS text) AS tz,
           CAST(:city_code AS text) AS city_code,
           CAST(:open_statuses AS text[]) AS open_statuses,
           CAST(:road_groups AS text[]) AS road_groups,
           CAST(:grades AS text[]) AS grades,
           CAST(:weeks AS integer) AS weeks,
           CAST(:claim_days AS integer) AS claim_days
),
today AS (
    SELECT (now() AT TIME ZONE p.tz)::date AS d FROM params p
),
ledger AS (
    SELECT h.county_code,
           h.status,
           h.grade,
           h.category_code,
           coalesce(r.layer_group, 'none') AS road_group,
           h.status = 'duplicate' AS is_duplicate,
           h.status = ANY (p.open_statuses) AS is_open,
           -- 超期: the one definition (app.overdue)
           hazard_overdue(h.status, h.reported_at, h.deadline, p.claim_days, t.d) AS is_overdue,
           -- 挂牌督办: listed until delisted, which only a closed hazard can be; so a fixed hazard
           -- awaiting its 摘牌 still counts.
           h.supervision_level IS NOT NULL AS is_supervised,
           -- 按期整改: judged only where the workflow recorded a close-out time and a deadline.
           h.status = 'closed' AND h.closed_at IS NOT NULL AND h.deadline IS NOT NULL AS is_timed_close,
           h.status = 'closed' AND (h.closed_at AT TIME ZONE p.tz)::date <= h.deadline AS is_on_time
      FROM hazards h
      LEFT JOIN roads r ON r.id = h.road_id
     CROSS JOIN params p
     CROSS JOIN today t
     WHERE h.deleted_at IS NULL
),
-- First one row per (county, road group, grade, category): a single hash aggregate over the ledger;
-- the grouping sets below then add up a few thousand rows instead of scanning the ledger eight times.
base AS (
    SELECT county_code,
           road_group,
           grade,
           category_code,
           -- A duplicate (重复) is one hazard reported twice: not found again, not in the rate.
           count(*) FILTER (WHERE NOT is_duplicate) AS found,
           count(*) FILTER (WHERE is_duplicate) AS duplicate,
           count(*) FILTER (WHERE is_open) AS open,
           count(*) FILTER (WHERE status = 'closed') AS closed,
           count(*) FILTER (WHERE status = 'rejected') AS rejected,
           count(*) FILTER (WHERE is_overdue) AS overdue,
           count(*) FILTER (WHERE is_supervised) AS supervised,
           count(*) FILTER (WHERE is_timed_close) AS timed_closed,
           count(*) FILTER (WHERE is_on_time) AS closed_on_time
      FROM ledger
     GROUP BY county_code, road_group, grade, category_code
),
counted AS (
    SELECT CASE WHEN GROUPING(county_code) = 1 THEN (SELECT city_code FROM params) ELSE county_code END AS unit,
           GROUPING(road_group) = 0 AS per_road_group,
           GROUPING(grade) = 0 AS per_grade,
           GROUPING(category_code) = 0 AS per_category,
           road_group,
           grade,
           category_code,
           sum(found)::bigint AS found,
           sum(open)::bigint AS open,
           sum(closed)::bigint AS closed,
           sum(rejected)::bigint AS rejected,
           sum(duplicate)::bigint AS duplicate,
           sum(overdue)::bigint AS overdue,
           sum(supervised)::bigint AS supervised,
           sum(timed_closed)::bigint AS timed_closed,
           sum(closed_on_time)::bigint AS closed_on_time
      FROM base
     GROUP BY GROUPING SETS (
           (county_code), (county_code, road_group), (county_code, grade), (county_code, category_code),
           (), (road_group), (grade), (category_code)
     )
),
totals AS (
    SELECT * FROM counted WHERE NOT (per_road_group OR per_grade OR per_category)
),
-- The weekly series: ISO weeks (Monday to Sunday) in the users' time zone, the last :weeks of them,
-- the current (partial) week last. Found = reported (发现) in the week, by the hazard's reported_at,
-- not by when its row was inserted (an import or a backlog entered today was found earlier); closed =
-- 销号 in the week, by closed_at; open and
-- overdue as they stood at the week's end (for the current week: now, so the last week's open and
-- overdue equal the unit's). Hazards rejected or marked duplicate are never counted open: the ledger
-- keeps no time for when they were judged so.
weeks AS (
    SELECT w.n,
           w.start::date AS start,
           w.start AT TIME ZONE p.tz AS start_at,
           least((w.start + interval '7 days') AT TIME ZONE p.tz, now()) AS end_at,
           -- overdue at the week's end: due before its last day (or before today)
           least((w.start + interval '6 days')::date, t.d) AS last_day
      FROM params p
     CROSS JOIN today t
     CROSS JOIN generate_series(
               date_trunc('week', t.d::timestamp) - (p.weeks - 1) * interval '1 week',
               date_trunc('week', t.d::timestamp),
               interval '1 week') WITH ORDINALITY AS w(start, n)
),
weekly_counted AS (
    SELECT CASE WHEN GROUPING(h.county_code) = 1 THEN (SELECT city_code FROM params)
                ELSE h.county_code END AS unit,
           w.n,
           count(*) FILTER (WHERE h.reported_at >= w.start_at AND h.status <> 'duplicate') AS found,
           count(*) FILTER (WHERE h.closed_at >= w.start_at AND h.closed_at < w.end_at) AS closed,
           count(*) FILTER (WHERE h.is_open_at_end) AS open,
           count(*) FILTER (WHERE hazard_overdue_on(h.is_open_at_end, h.is_claimed_at_end, h.reported_at,
                                                    h.deadline, p.claim_days, w.last_day)) AS overdue
      FROM weeks w
     CROSS JOIN params p
      JOIN LATERAL (
           SELECT x.county_code, x.reported_at, x.closed_at, x.deadline, x.status,
                  -- claimed by the week's end (a claim without a recorded time: from the start)
                  x.status <> 'reported' AND (x.claimed_at IS NULL OR x.claimed_at < w.end_at) AS is_claimed_at_end,
                  x.status NOT IN ('rejected', 'duplicate')
                  -- a row closed without a recorded time (imported) counts closed from the start
                  AND NOT (x.status = 'closed' AND x.closed_at IS NULL)
                  AND (x.closed_at IS NULL OR x.closed_at >= w.end_at) AS is_open_at_end
             FROM hazards x
            WHERE x.deleted_at IS NULL AND x.reported_at < w.end_at
      ) h ON true
     GROUP BY GROUPING SETS ((w.n, h.county_code), (w.n))
),
units AS (
    SELECT j.code, j.name, j.level
      FROM jurisdictions j
     CROSS JOIN params p
     WHERE j.code = p.city_code
        OR (j.level IN ('county', 'zone') AND j.parent_code = p.city_code)
),
unit_stats AS (
    SELECT u.code,
           u.level,
           json_build_object(
               'code', u.code,
               'name', u.name,
               'level', u.level,
               'found', coalesce(t.found, 0),
               'open', coalesce(t.open, 0),
               'closed', coalesce(t.closed, 0),
               'rejected', coalesce(t.rejected, 0),
               'duplicate', coalesce(t.duplicate, 0),
               -- 整改率: closed out of those accepted as hazards; none when nothing was accepted.
               'rectification_rate', CASE WHEN t.found > t.rejected
                                          THEN round(t.closed::numeric / (t.found - t.rejected), 4) END,
               'overdue', coalesce(t.overdue, 0),
               'supervised', coalesce(t.supervised, 0),
               'closed_on_time', coalesce(t.closed_on_time, 0),
               -- 按期整改率: of the close-outs with a deadline and a recorded time, those on time.
               'on_time_rate', CASE WHEN t.timed_closed > 0
                                    THEN round(t.closed_on_time::numeric / t.timed_closed, 4) END,
               'by_road_group', (
                   SELECT json_object_agg(g.code, json_build_object(
                              'found', coalesce(c.found, 0), 'open', coalesce(c.open, 0),
                              'closed', coalesce(c.closed, 0), 'overdue', coalesce(c.overdue, 0))
                          ORDER BY g.ord)
                     FROM unnest((SELECT road_groups FROM params)) WITH ORDINALITY AS g(code, ord)
                     LEFT JOIN counted c ON c.unit = u.code AND c.per_road_group AND c.road_group = g.code
               ),
               'by_grade', (
                   SELECT json_object_agg(g.code, json_build_object(
                              'found', coalesce(c.found, 0), 'open', coalesce(c.open, 0),
                              'closed', coalesce(c.closed, 0), 'overdue', coalesce(c.overdue, 0))
                          ORDER BY g.ord)
                     FROM unnest((SELECT grades FROM params)) WITH ORDINALITY AS g(code, ord)
                     LEFT JOIN counted c ON c.unit = u.code AND c.per_grade AND c.grade = g.code
               ),
               'by_category', (
                   SELECT coalesce(json_agg(json_build_object(
                              'code', c.category_code, 'name_zh', k.name_zh, 'name_en', k.name_en,
                              'found', c.found, 'open', c.open, 'closed', c.closed, 'overdue', c.overdue)
                          ORDER BY c.found DESC, c.category_code), '[]'::json)
                     FROM counted c
                     JOIN categories k ON k.code = c.category_code
                    WHERE c.unit = u.code AND c.per_category
               ),
               'weekly', (
                   SELECT json_build_object(
                              'found', json_agg(coalesce(c.found, 0) ORDER BY w.n),
                              'closed', json_agg(coalesce(c.closed, 0) ORDER BY w.n),
                              'open', json_agg(coalesce(c.open, 0) ORDER BY w.n),
                              'overdue', json_agg(coalesce(c.overdue, 0) ORDER BY w.n))
                     FROM weeks w
                     LEFT JOIN weekly_counted c ON c.unit = u.code AND c.n = w.n
               )
           ) AS body
      FROM units u
      LEFT JOIN totals t ON t.unit = u.code
)
SELECT json_build_object(
           'as_of', now(),
           'today', (SELECT d FROM today),
           'timezone', (SELECT tz FROM params),
           -- Kept for the pages, which showed a "not yet tracked" note while it was false.
           'supervision_tracked', true,
           'weeks', (SELECT json_agg(json_build_object(
                                'week', to_char(w.start, 'IYYY-"W"IW'), 'start', w.start) ORDER BY w.n)
                       FROM weeks w),
           'city', (SELECT body FROM unit_stats WHERE level = 'city'),
           'counties', (SELECT coalesce(json_agg(body ORDER BY level, code), '[]'::json)
                          FROM unit_stats WHERE level <> 'city')
       )::text
