-- A piece no milepost calibrates any more: measured again from its start at one metre per metre.
UPDATE roads
   SET length_m = ST_Length(geom::geography),
       measured = road_measured(geom, start_chainage_m, ST_Length(geom::geography)),
       calibrated = false
 WHERE id = :id
