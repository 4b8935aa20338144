INSERT INTO roads (code, name, road_class, start_chainage_m, length_m, geom, schematic, source)
SELECT code, name, road_class, start_chainage_m, ST_Length(geom::geography), geom,
       CAST(:schematic AS boolean), CAST(:source AS text)
  FROM import_roads
 WHERE reason IS NULL
 ORDER BY row_no
