INSERT INTO roads (code, name, road_class, start_chainage_m, length_m, geom, schematic, source)
SELECT CAST(:code AS text), CAST(:name AS text), CAST(:road_class AS text),
       CAST(:start_chainage_m AS double precision), ST_Length(g::geography), g, true, CAST(:source AS text)
  FROM ST_GeomFromText(CAST(:geom AS text), 4326) AS g
