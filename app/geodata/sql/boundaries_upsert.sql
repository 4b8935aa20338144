-- A known code is updated: a later file may bring the outline a unit lacked, so an absent
-- geometry never wipes one already stored.
INSERT INTO jurisdictions AS j (code, name, level, parent_code, geom, centre, source)
SELECT code, name, CAST(:level AS text), parent_code, geom, centre, CAST(:source AS text)
  FROM import_boundaries
 WHERE reason IS NULL
 ORDER BY row_no
ON CONFLICT (code) DO UPDATE
   SET name = EXCLUDED.name,
       parent_code = EXCLUDED.parent_code,
       geom = coalesce(EXCLUDED.geom, j.geom),
       centre = coalesce(EXCLUDED.centre, j.centre),
       source = EXCLUDED.source
RETURNING (xmax = 0) AS inserted
