-- The rows' history is written by the statement trigger hazards_record_created, one event per
-- row (action 'import', the importer as actor); hazardmap.placed = 'set-wise' tells the trigger of
-- new rows that zone and village below were placed by the rule of hazard_zone_village.
SELECT set_config('hazardmap.actor', CAST(:actor AS text), true),
       set_config('hazardmap.action', 'import', true),
       set_config('hazardmap.placed', 'set-wise', true);
-- 开发区 and 行政村 by the rule of hazard_zone_village (migration hazard_zone_and_village: the zone
-- covering the anchor, lowest code first; the village covering it, else the nearest village point
-- of the township within 1500 m), set-wise: the zones are the outer loop, as the counties in
-- check.sql, and each row looks its village up by the spatial index of a table of villages only.
CREATE TEMP TABLE import_villages ON COMMIT DROP AS
SELECT code, parent_code, geom, centre FROM jurisdictions WHERE level = 'village';
CREATE INDEX ON import_villages USING gist (geom);
CREATE INDEX ON import_villages USING gist (centre);
ANALYZE import_villages;
CREATE TEMP TABLE import_zone_village ON COMMIT DROP AS
SELECT a.row_no, z.code AS zone_code,
       coalesce(
           (SELECT j.code FROM import_villages j
             WHERE j.geom IS NOT NULL AND ST_Covers(j.geom, a.anchor)
             ORDER BY j.code LIMIT 1),
           (SELECT j.code FROM import_villages j
             WHERE j.geom IS NULL AND j.centre IS NOT NULL
               AND (p.township_code IS NULL OR j.parent_code = p.township_code)
               AND j.centre && ST_Expand(a.anchor, 0.0187)
               AND ST_DWithin(j.centre::geography, a.anchor::geography, 1500)
             ORDER BY j.centre <-> a.anchor LIMIT 1)) AS village_code
  FROM import_anchors a
  JOIN import_places p ON p.row_no = a.row_no
  LEFT JOIN (SELECT DISTINCT ON (x.row_no) x.row_no, j.code
               FROM jurisdictions j
              CROSS JOIN LATERAL (SELECT y.row_no FROM import_anchors y WHERE ST_Covers(j.geom, y.anchor)) AS x
              WHERE j.level = 'zone' AND j.geom IS NOT NULL
              ORDER BY x.row_no, j.code) AS z ON z.row_no = a.row_no;
-- Ledger numbers (隐患编号) in row order within the blocks reserved per county and year
-- (ledger_reserve.sql), as hazards_assign would have taken them one at a time; that trigger then
-- finds county, township and number set and looks nothing up.
CREATE TEMP TABLE import_numbers ON COMMIT DROP AS
WITH todo AS (
    SELECT row_no, county_code,
           CAST(extract(year FROM coalesce(reported_at, now()) AT TIME ZONE 'Asia/Shanghai') AS smallint) AS yr
      FROM import_rows
     WHERE reason IS NULL
), numbered AS (
    SELECT t.row_no, t.county_code, t.yr,
           b.last_value - count(*) OVER w + row_number() OVER (w ORDER BY t.row_no) AS n
      FROM todo t
      JOIN unnest(CAST(:counties AS text[]), CAST(:years AS smallint[]), CAST(:lasts AS integer[]))
           AS b(county_code, year, last_value) ON b.county_code = t.county_code AND b.year = t.yr
    WINDOW w AS (PARTITION BY t.county_code, t.yr)
)
SELECT row_no,
       county_code || '-' || yr || '-' || CASE WHEN n < 10000 THEN lpad(n::text, 4, '0') ELSE n::text END AS ledger_no
  FROM numbered;
INSERT INTO hazards (uid, ledger_no, county_code, township_code, zone_code, village_code, kind, category_code,
                     visibility, grade, source, description, address, status, road_id, chainage_m,
                     end_chainage_m, direction, geom, reported_at, deadline, claim_name, claim_post,
                     claim_unit, claimed_at, measures, rectified_by, rectified_at, verifier, closed_at,
                     created_by, updated_by)
SELECT coalesce(i.uid, gen_random_uuid()), nb.ledger_no, i.county_code, i.township_code, zv.zone_code,
       zv.village_code, i.kind, i.category_code, i.visibility, i.grade, i.source, i.description, i.address,
       i.status, i.road_id, CASE WHEN i.road_id IS NOT NULL THEN i.chainage_m END,
       CASE WHEN i.road_id IS NOT NULL THEN i.end_chainage_m END, i.direction, i.geom,
       coalesce(i.reported_at, now()), i.deadline, i.claim_name, i.claim_post, i.claim_unit, i.claimed_at,
       i.measures, i.rectified_by, i.rectified_at, i.verifier, i.closed_at, CAST(:actor AS text),
       CAST(:actor AS text)
  FROM import_rows i
  LEFT JOIN import_numbers nb ON nb.row_no = i.row_no
  LEFT JOIN import_zone_village zv ON zv.row_no = i.row_no
 WHERE i.reason IS NULL
 ORDER BY i.row_no;
SELECT set_config('hazardmap.placed', '', true)
