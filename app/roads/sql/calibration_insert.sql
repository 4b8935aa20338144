INSERT INTO road_calibration_points (road_code, chainage_m, seq, geom, label, source)
VALUES (:code, :chainage_m, :seq, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :label, :source)
