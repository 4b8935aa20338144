-- The hazards and segments a poster shows, numbered in the ledger's order, projected into CAST(:srid AS integer);
-- a segment is also given the point its number is written at (the middle of the line).
-- /*where*/ is the list's filter over hazards h (values bound); /*chainage*/ the 桩号 expression.
SELECT row_number() OVER (ORDER BY h.county_code, h.reported_at, h.ledger_no)::int AS no,
       h.id, h.kind, h.ledger_no, h.status,
       r.code AS road_code,
       r.name AS road_name,
       /*chainage*/ AS chainage,
       c.name_zh AS category,
       h.deadline,
       h.status = ANY (CAST(:open_statuses AS text[])) AS is_open,
       hazard_overdue(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer),
                      CAST(:today AS date)) AS overdue,
       h.supervision_level,
       ST_AsBinary(ST_Transform(h.geom, CAST(:srid AS integer))) AS geom,
       ST_AsBinary(ST_Transform(ST_PointOnSurface(
           CASE WHEN h.kind = 'segment' THEN ST_LineInterpolatePoint(ST_LineMerge(h.geom), 0.5)
                ELSE h.geom END), CAST(:srid AS integer))) AS at
  FROM hazards h
  LEFT JOIN roads r ON r.id = h.road_id
  LEFT JOIN categories c ON c.code = h.category_code
 WHERE /*where*/
 ORDER BY no
