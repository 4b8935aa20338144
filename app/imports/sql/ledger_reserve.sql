-- A block of k numbers per county and year, taken from ledger_counters in a short transaction of
-- its own (committed at once), so that the import never holds the counters while it writes. The
-- counters are locked in the order given (county, year), as every import takes them.
INSERT INTO ledger_counters AS c (county_code, year, last_value)
SELECT b.county_code, b.year, b.k
  FROM unnest(CAST(:counties AS text[]), CAST(:years AS smallint[]), CAST(:counts AS integer[]))
       WITH ORDINALITY AS b(county_code, year, k, n)
 ORDER BY b.n
    ON CONFLICT (county_code, year) DO UPDATE SET last_value = c.last_value + EXCLUDED.last_value
RETURNING c.county_code, c.year, c.last_value
