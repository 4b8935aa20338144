-- The city's extent (its counties), for TileJSON's bounds and centre.
SELECT ST_XMin(e) AS x1, ST_YMin(e) AS y1, ST_XMax(e) AS x2, ST_YMax(e) AS y2
  FROM (SELECT ST_Extent(geom) AS e FROM jurisdictions WHERE level = 'county') s
