-- Open hazards of a category near a geometry: on the same road when it is on one, else anywhere.
-- The box test lets the spatial index narrow the rows before the distance in metres.
WITH g AS (
    SELECT ST_GeomFromEWKT(:ewkt) AS g
)
SELECT h.id, h.ledger_no, h.kind, h.status, h.road_id, h.chainage_m, h.end_chainage_m,
       ST_Distance(h.geom::geography, g.g::geography) AS distance_m
  FROM hazards h, g
 WHERE h.category_code = :category
   AND h.deleted_at IS NULL
   AND h.status = ANY(:open_statuses)
   AND (CAST(:road_id AS bigint) IS NULL OR h.road_id = :road_id)
   AND (CAST(:exclude_id AS bigint) IS NULL OR h.id <> :exclude_id)
   AND h.geom && ST_Expand(g.g, :box_deg)
   AND ST_DWithin(h.geom::geography, g.g::geography, :distance_m)
 ORDER BY distance_m, h.id
