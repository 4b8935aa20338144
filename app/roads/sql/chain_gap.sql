-- The chain break (断链) of route :code whose gap holds :chainage: the 桩号 behind and ahead of a
-- jump between two parts of a calibrated line. No row when the chainage is in no such gap.
WITH parts AS (
    SELECT r.id, d.path[1] AS n, ST_M(ST_StartPoint(d.geom)) AS first_m, ST_M(ST_EndPoint(d.geom)) AS last_m
      FROM roads r, ST_Dump(r.measured) AS d
     WHERE r.code = :code
), pairs AS (
    SELECT last_m AS back_m, lead(first_m) OVER (PARTITION BY id ORDER BY n) AS ahead_m FROM parts
)
SELECT back_m, ahead_m
  FROM pairs
 WHERE ahead_m IS NOT NULL AND CAST(:chainage AS double precision) > back_m
   AND CAST(:chainage AS double precision) < ahead_m
 LIMIT 1
