-- An import that failed before its commit gives its blocks back, where no number was issued after
-- them (the counter still ends at the block) and none of them is in the ledger; otherwise the
-- block stays a gap, and no number is ever issued twice. A counter left at nought is removed: as
-- if the block had never been taken.
WITH given AS (
    SELECT g.county_code, g.year, g.k, g.last_value
      FROM unnest(CAST(:counties AS text[]), CAST(:years AS smallint[]), CAST(:counts AS integer[]),
                  CAST(:lasts AS integer[])) AS g(county_code, year, k, last_value)
     WHERE NOT EXISTS (
           SELECT 1 FROM hazards h
            WHERE h.ledger_no = g.county_code || '-' || g.year || '-'
                                || CASE WHEN g.last_value < 10000 THEN lpad(g.last_value::text, 4, '0')
                                        ELSE g.last_value::text END)
), emptied AS (
    DELETE FROM ledger_counters c
     USING given g
     WHERE c.county_code = g.county_code AND c.year = g.year
       AND c.last_value = g.last_value AND g.last_value = g.k
)
UPDATE ledger_counters c
   SET last_value = c.last_value - g.k
  FROM given g
 WHERE c.county_code = g.county_code AND c.year = g.year
   AND c.last_value = g.last_value AND g.last_value > g.k
