-- Open hazards of a category near a geometry: on the same route (by code: a route may be stored
-- in pieces) when it is on one, else anywhere. Near is within :distance_m of the geometry; a
-- stretch (:from_m–:to_m) also finds what lies on the route inside its chainage range, however
-- far a pin stands beside the carriageway.
-- The box test lets the spatial index narrow the rows before the distance in metres.
WITH g AS (
    SELECT ST_GeomFromEWKT(:ewkt) AS g
), route AS (
    SELECT r2.id FROM roads r1 JOIN roads r2 ON r2.code = r1.code WHERE r1.id = :road_id
), near AS (
    SELECT h.id
      FROM hazards h, g
     WHERE h.geom && ST_Expand(g.g, :box_deg)
       AND ST_DWithin(h.geom::geography, g.g::geography, :distance_m)
    UNION
    SELECT h.id
      FROM hazards h
     WHERE CAST(:from_m AS double precision) IS NOT NULL
       AND h.road_id IN (SELECT id FROM route)
       AND h.chainage_m <= :to_m
       AND coalesce(h.end_chainage_m, h.chainage_m) >= :from_m
)
SELECT h.id, h.ledger_no, h.kind, h.status, h.road_id, r.code AS road_code, h.chainage_m,
       h.end_chainage_m, ST_Distance(h.geom::geography, g.g::geography) AS distance_m
  FROM near JOIN hazards h ON h.id = near.id
  LEFT JOIN roads r ON r.id = h.road_id, g
 WHERE h.category_code = :category
   AND h.deleted_at IS NULL
   AND h.status = ANY(:open_statuses)
   AND (CAST(:road_id AS bigint) IS NULL OR h.road_id IN (SELECT id FROM route))
   AND (CAST(:exclude_id AS bigint) IS NULL OR h.id <> :exclude_id)
 ORDER BY distance_m, h.id
