-- The pieces a route of the file replaces: every piece of its code, or with a county only those
-- lying in it. The first (lowest 桩号) keeps its id, so hazards, crashes and candidates on the
-- route stay linked; those on the other pieces move to it, and the other pieces go. Every old
-- row is kept in road_versions by its trigger.
CREATE TEMP TABLE import_replaced ON COMMIT DROP AS
SELECT s.row_no, r.id, r.start_chainage_m,
       row_number() OVER (PARTITION BY s.row_no ORDER BY r.start_chainage_m, r.id) AS n
  FROM import_routes s
  JOIN roads r ON r.code = s.code
 WHERE s.reason IS NULL
   AND (CAST(:county AS text) IS NULL
        OR EXISTS (SELECT 1 FROM jurisdictions c
                    WHERE c.code = :county AND ST_Covers(c.geom, ST_PointOnSurface(r.geom))));
CREATE TEMP TABLE import_moves ON COMMIT DROP AS
SELECT other.id AS old_id, keeper.id AS new_id
  FROM import_replaced other
  JOIN import_replaced keeper ON keeper.row_no = other.row_no AND keeper.n = 1
 WHERE other.n > 1;
UPDATE hazards h SET road_id = m.new_id FROM import_moves m WHERE h.road_id = m.old_id;
UPDATE crashes c SET road_id = m.new_id FROM import_moves m WHERE c.road_id = m.old_id;
UPDATE accident_prone_candidates c SET road_id = m.new_id FROM import_moves m WHERE c.road_id = m.old_id;
DELETE FROM roads WHERE id IN (SELECT old_id FROM import_moves);
UPDATE roads r
   SET name = coalesce(nullif(s.name, ''), r.name), road_class = s.road_class, geom = s.geom,
       length_m = ST_Length(s.geom::geography), calibrated = false, schematic = false,
       source = CAST(:source AS text)
  FROM import_routes s
  JOIN import_replaced k ON k.row_no = s.row_no AND k.n = 1
 WHERE r.id = k.id;
INSERT INTO roads (code, name, road_class, start_chainage_m, length_m, geom, schematic, source)
SELECT s.code, coalesce(s.name, ''), s.road_class, 0, ST_Length(s.geom::geography), s.geom, false,
       CAST(:source AS text)
  FROM import_routes s
 WHERE s.reason IS NULL AND NOT EXISTS (SELECT 1 FROM import_replaced k WHERE k.row_no = s.row_no)
 ORDER BY s.row_no
