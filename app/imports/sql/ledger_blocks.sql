-- How many ledger numbers (隐患编号) the import needs, per county and year of the report (Beijing
-- time, as hazards_assign reckons it), in the order their counters are locked.
SELECT county_code,
       CAST(extract(year FROM coalesce(reported_at, now()) AT TIME ZONE 'Asia/Shanghai') AS smallint) AS year,
       CAST(count(*) AS integer) AS k
  FROM import_rows
 WHERE reason IS NULL
 GROUP BY 1, 2
 ORDER BY 1, 2
