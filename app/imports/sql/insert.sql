SELECT set_config('hazardmap.actor', CAST(:actor AS text), true),
       set_config('hazardmap.action', 'import', true);
-- Ledger numbers (隐患编号) per county and year of the report (Beijing time), taken in one block
-- per county and year from ledger_counters, in row order, as hazards_assign would take them one
-- at a time; that trigger then finds county, township and number set and looks nothing up.
WITH todo AS (
    SELECT row_no, county_code,
           CAST(extract(year FROM coalesce(reported_at, now()) AT TIME ZONE 'Asia/Shanghai') AS smallint) AS yr
      FROM import_rows
     WHERE reason IS NULL
), numbered AS (
    SELECT row_no, county_code, yr,
           row_number() OVER (PARTITION BY county_code, yr ORDER BY row_no) AS n,
           count(*) OVER (PARTITION BY county_code, yr) AS k
      FROM todo
), reserved AS (
    INSERT INTO ledger_counters AS c (county_code, year, last_value)
    SELECT county_code, yr, count(*) FROM todo GROUP BY county_code, yr
        ON CONFLICT (county_code, year) DO UPDATE SET last_value = c.last_value + EXCLUDED.last_value
    RETURNING county_code, year, last_value
)
UPDATE import_rows s
   SET ledger_no = nb.county_code || '-' || nb.yr || '-'
                   || CASE WHEN r.last_value - nb.k + nb.n < 10000
                           THEN lpad((r.last_value - nb.k + nb.n)::text, 4, '0')
                           ELSE (r.last_value - nb.k + nb.n)::text END
  FROM numbered nb
  JOIN reserved r ON r.county_code = nb.county_code AND r.year = nb.yr
 WHERE s.row_no = nb.row_no;
INSERT INTO hazards (uid, ledger_no, county_code, township_code, kind, category_code, visibility, grade,
                     source, description, address, status, road_id, chainage_m, end_chainage_m, direction, geom, reported_at, deadline, claim_name, claim_post,
                     claim_unit, claimed_at, measures, rectified_by, rectified_at, verifier, closed_at,
                     created_by, updated_by)
SELECT coalesce(uid, gen_random_uuid()), ledger_no, county_code, township_code, kind, category_code,
       visibility, grade, source, description, address, status, road_id, CASE WHEN road_id IS NOT NULL THEN chainage_m END,
       CASE WHEN road_id IS NOT NULL THEN end_chainage_m END, direction, geom, coalesce(reported_at, now()), deadline,
       claim_name, claim_post, claim_unit, claimed_at, measures, rectified_by, rectified_at, verifier,
       closed_at, CAST(:actor AS text), CAST(:actor AS text)
  FROM import_rows
 WHERE reason IS NULL
 ORDER BY row_no
