UPDATE import_hazards SET geom = ST_GeomFromWKB(wkb, 4326) WHERE reason IS NULL;
UPDATE import_hazards s SET reason = 'already in the ledger as ' || h.ledger_no || ' (same uid)'
  FROM hazards h
 WHERE s.reason IS NULL AND h.uid = s.uid;
UPDATE import_hazards SET reason = 'invalid geometry: ' || ST_IsValidReason(geom)
 WHERE reason IS NULL AND NOT ST_IsValid(geom);
UPDATE import_hazards s SET reason = 'outside the city'
  FROM jurisdictions c
 WHERE s.reason IS NULL AND c.code = :city_code AND c.geom IS NOT NULL
   AND NOT ST_Intersects(s.geom, c.geom)
   AND NOT ST_DWithin(s.geom::geography, c.geom::geography, :tolerance_m);
-- The same rule as the hazards_assign trigger (covered, else within 500 m of a county), so that
-- a row it would reject is refused here instead of aborting the whole import.
UPDATE import_hazards s SET reason = 'outside every county'
  FROM (SELECT row_no,
               CASE WHEN ST_GeometryType(geom) = 'ST_Point' THEN geom
                    ELSE ST_LineInterpolatePoint(geom, 0.5) END AS anchor
          FROM import_hazards WHERE reason IS NULL) a
 WHERE s.row_no = a.row_no
   AND NOT EXISTS (
       SELECT 1 FROM jurisdictions j
        WHERE j.level = 'county' AND j.geom IS NOT NULL
          AND (ST_Covers(j.geom, a.anchor) OR ST_DWithin(j.geom::geography, a.anchor::geography, 500)))
