-- A piece's measure: the calibrated line, its first 桩号 and the span it covers.
UPDATE roads
   SET measured = ST_GeomFromEWKT(:ewkt), start_chainage_m = :start_m, length_m = :span_m,
       calibrated = :calibrated
 WHERE id = :id
