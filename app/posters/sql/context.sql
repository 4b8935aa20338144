-- The map's background inside the frame (a WKB box in WGS84, :box), projected into CAST(:srid AS integer):
-- kind 'county' — county outlines (simplified to CAST(:tolerance AS float8) metres) with their names at the seats;
-- kind 'township' — township seats of the unit (:code), named;
-- kind 'road' — the road network clipped to the frame, by road group, simplified.
WITH frame AS (SELECT ST_GeomFromWKB(CAST(:box AS bytea), 4326) AS g)
SELECT 'county' AS kind, j.code, j.name, NULL AS grp,
       ST_AsBinary(ST_Simplify(ST_Transform(j.geom, CAST(:srid AS integer)), CAST(:tolerance AS float8))) AS geom,
       ST_AsBinary(ST_Transform(j.centre, CAST(:srid AS integer))) AS at
  FROM jurisdictions j, frame f
 WHERE j.level = 'county' AND j.geom && f.g
UNION ALL
SELECT 'township', j.code, j.name, NULL,
       NULL, ST_AsBinary(ST_Transform(j.centre, CAST(:srid AS integer)))
  FROM jurisdictions j, frame f
 WHERE j.level = 'township' AND j.parent_code = CAST(:code AS text) AND j.centre IS NOT NULL AND j.centre && f.g
UNION ALL
SELECT 'road', r.code, r.name, r.layer_group,
       ST_AsBinary(ST_Simplify(ST_Transform(ST_Intersection(r.geom, f.g), CAST(:srid AS integer)), CAST(:tolerance AS float8))),
       NULL
  FROM roads r, frame f
 WHERE r.geom && f.g AND r.layer_group IS NOT NULL
