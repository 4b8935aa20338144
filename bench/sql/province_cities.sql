-- Fifteen more cities beside the shipped one, so that the ledger is a province's (Shandong: 16
-- cities): the shipped city's outline, counties and township seats copied, each copy moved by
-- (:dx, :dy) degrees and renumbered with its own two-digit city prefix (37cc…). Synthetic: the
-- copies only give the points a realistic number of counties and townships to fall in.
-- Bound: :prefixes (text[], 4 characters each), :dx and :dy (float8[], the same length).
WITH copies AS (
    SELECT p.prefix, p.dx, p.dy
      FROM unnest(CAST(:prefixes AS text[]), CAST(:dx AS float8[]), CAST(:dy AS float8[])) AS p(prefix, dx, dy)
)
INSERT INTO jurisdictions (code, name, level, parent_code, geom, centre, source)
SELECT c.prefix || substr(j.code, 5),
       left('省' || c.prefix || '·' || j.name, 64),
       j.level,
       CASE WHEN j.parent_code IS NULL THEN NULL ELSE c.prefix || substr(j.parent_code, 5) END,
       ST_Translate(j.geom, c.dx, c.dy),
       ST_Translate(j.centre, c.dx, c.dy),
       'bench.province: a copy of ' || j.code
  FROM jurisdictions j
 CROSS JOIN copies c
 WHERE j.level IN ('city', 'county', 'township')
   AND j.code LIKE '3715%'
