-- :n synthetic hazard points over one city (:city) of the province, written in one statement
-- (bench.province runs it once per city). The rest as bench/sql/bulk_hazards.sql, whose rules it follows.
--
-- The table's triggers are off during this load (session_replication_role = replica: the row
-- triggers, which number one row at a time, and the foreign-key checks; every code written comes
-- from jurisdictions and categories). So this statement does the triggers' work itself, by the
-- same rules: the county is the one whose outline the point was generated in, the township the
-- nearest township seat of that county, and the ledger number <county>-<year>-<n> per county and
-- reporting year (Beijing time), numbered in the order reported. No history is written.
--
-- Points are spread over the counties in proportion to their area (ST_GeneratePoints, seeded);
-- the attributes come from random() after setseed, so that a rebuild gives the same rows.
-- :wordings is a JSON object category code → description, so that a Feature weighs what a
-- real one does.
WITH county AS (
    SELECT code, name, geom,
           sum(ST_Area(geom::geography)) OVER (ORDER BY code) AS area_to,
           sum(ST_Area(geom::geography)) OVER () AS area_all
      FROM jurisdictions
     WHERE level = 'county' AND geom IS NOT NULL AND parent_code = CAST(:city AS text)
), quota AS (
    -- Cumulative rounding: the quotas add up to exactly :n.
    SELECT code, name, geom,
           (round(CAST(:n AS double precision) * area_to / area_all)
            - round(CAST(:n AS double precision) * (area_to - ST_Area(geom::geography)) / area_all))::int
               AS k
      FROM county
), located AS (
    SELECT q.code AS county_code, q.name AS county_name, d.path[1] AS ord, d.geom
      FROM quota q
     CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(q.geom, q.k, CAST(:seed AS integer))) d
), drawn AS (
    SELECT l.*, t.code AS township_code, t.name AS township_name,
           TIMESTAMPTZ '2025-01-01 08:00+08' + random() * INTERVAL '689 days' AS reported_at,
           random() AS r_category, random() AS r_grade, random() AS r_source, random() AS r_status,
           random() AS r_updated
      FROM (SELECT * FROM located ORDER BY county_code, ord) l
     CROSS JOIN LATERAL (
           SELECT j.code, j.name FROM jurisdictions j
            WHERE j.level = 'township' AND j.parent_code = l.county_code AND j.centre IS NOT NULL
            ORDER BY j.centre <-> l.geom
            LIMIT 1) t
), categorised AS (
    SELECT d.*, c.code AS category_code, c.usual_visibility,
           extract(year FROM d.reported_at AT TIME ZONE 'Asia/Shanghai')::int AS yr
      FROM drawn d
      JOIN (SELECT code, usual_visibility, row_number() OVER (ORDER BY code) - 1 AS i,
                   count(*) OVER () AS n_categories
              FROM categories WHERE active) c
        ON c.i = floor(d.r_category * c.n_categories)
), numbered AS (
    SELECT c.*, row_number() OVER (PARTITION BY county_code, yr ORDER BY reported_at, county_code, ord) AS seq
      FROM categorised c
)
INSERT INTO hazards (ledger_no, kind, category_code, visibility, grade, source, description, address,
                     status, county_code, township_code, geom, reported_at, deadline, created_at,
                     updated_at, created_by, demo)
SELECT county_code || '-' || yr || '-' || lpad(seq::text, greatest(4, length(seq::text)), '0'),
       'point', category_code, usual_visibility,
       (ARRAY['general', 'general', 'general', 'general', 'general', 'general',
              'significant', 'significant', 'significant', 'major'])[1 + floor(r_grade * 10)::int],
       (ARRAY['inspection', 'inspection', 'inspection', 'inspection', 'crash_analysis', 'crash_analysis',
              'public_report', 'public_report', 'procuratorate', 'project_review'])[1 + floor(r_source * 10)::int],
       coalesce(CAST(:wordings AS jsonb) ->> category_code, ''),
       county_name || replace(township_name, '办事处', ''),
       (ARRAY['closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed',
              'closed', 'rectifying', 'rectifying', 'rectifying', 'claimed', 'claimed', 'reported',
              'reported', 'rectified', 'rectified', 'rejected'])[1 + floor(r_status * 20)::int],
       county_code, township_code, geom, reported_at, (reported_at AT TIME ZONE 'Asia/Shanghai')::date + 90,
       reported_at, reported_at + r_updated * INTERVAL '120 days', 'bench', true
  FROM numbered
 ORDER BY reported_at, county_code, ord;
