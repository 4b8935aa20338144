-- A finding's road piece and geometry, as the roads' linear referencing gave them.
UPDATE detect_found SET road_id = :road, geom = ST_GeomFromEWKT(:ewkt) WHERE id = :id
