-- The road (or the piece of route :code) nearest to a pin, and where on it: a few candidates by the spatial index (which
-- ranks in degrees), ranked again in metres; then the chainage and the point on the road.
WITH pin AS (
    SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g
), near AS (
    SELECT r.id, r.code, r.name, r.start_chainage_m, r.length_m, r.geom, r.measured
      FROM roads r, pin
     WHERE CAST(:code AS text) IS NULL OR r.code = :code
     ORDER BY r.geom <-> pin.g
     LIMIT 16
), nearest AS (
    SELECT near.*, ST_Distance(near.geom::geography, pin.g::geography) AS distance_m
      FROM near, pin
     ORDER BY distance_m, near.id
     LIMIT 1
), placed AS (
    SELECT nearest.*, road_chainage_at(nearest.measured, pin.g, :srid) AS chainage_m
      FROM nearest, pin
)
SELECT placed.id AS road_id, placed.code AS road_code, placed.name AS road_name,
       placed.chainage_m, placed.distance_m, ST_X(p.pt) AS lon, ST_Y(p.pt) AS lat
  FROM placed, LATERAL (SELECT road_point_at(placed.measured, placed.chainage_m) AS pt) AS p
