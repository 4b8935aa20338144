-- What a poster of one jurisdiction is drawn on, projected by PostGIS into CAST(:srid AS integer) (metres).
-- The frame: the unit's outline, or for a unit without one (a development zone) the box of its
-- hazards, or else the city's outline; widened by 3 % so that nothing touches the edge.
-- Bound: :code, :city_code, :srid, :min_span (the smallest width of the frame, in the srid's units).
WITH unit AS (
    SELECT j.code, j.name, j.level, j.geom FROM jurisdictions j WHERE j.code = CAST(:code AS text)
),
area AS (
    SELECT coalesce(
               (SELECT geom FROM unit),
               (SELECT ST_Envelope(ST_Collect(h.geom)) FROM hazards h
                 WHERE h.county_code = CAST(:code AS text) AND h.deleted_at IS NULL),
               (SELECT geom FROM jurisdictions WHERE code = CAST(:city_code AS text))
           ) AS geom
),
box AS (
    SELECT ST_Expand(ST_Envelope(ST_Transform(a.geom, CAST(:srid AS integer))),
                     0.03 * greatest(ST_XMax(ST_Transform(a.geom, CAST(:srid AS integer))) - ST_XMin(ST_Transform(a.geom, CAST(:srid AS integer))),
                                     ST_YMax(ST_Transform(a.geom, CAST(:srid AS integer))) - ST_YMin(ST_Transform(a.geom, CAST(:srid AS integer))),
                                     CAST(:min_span AS float8))) AS g
      FROM area a
)
SELECT u.code, u.name, u.level,
       ST_AsBinary(ST_Transform(u.geom, CAST(:srid AS integer))) AS outline,
       ST_XMin(b.g) AS x1, ST_YMin(b.g) AS y1, ST_XMax(b.g) AS x2, ST_YMax(b.g) AS y2,
       ST_AsBinary(ST_Transform(b.g, 4326)) AS box_wgs84
  FROM unit u CROSS JOIN box b
