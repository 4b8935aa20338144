-- Where demo rows may go: for each county, the pieces of road inside its outline, as chainage
-- ranges of the road (c_from … c_to). Chainage is measured as everywhere in the service, with
-- the functions of the crashes migration: road_measured gives every vertex its chainage,
-- road_chainage_at finds the chainage of a point in the metric CRS :srid.
--
-- The pieces are laid end to end (cum_from … cum_to, in metres) once per county, kind and
-- pool, so that one number u in [0, 1) picks a place with a chance proportional to road
-- length. Pool 'any' is every road; pool 'ordinary' leaves out expressways, for the hazards
-- that only exist where there are villages, schools and at-grade crossings. Segments use only
-- pieces with room for the longest segment (:segment_room metres).
--
-- 50 m are trimmed at both ends of a piece, where the road crosses a county line, so that a
-- row placed on it (or a few metres beside it) lies in the county it was drawn for.
CREATE TEMP TABLE demo_stretches ON COMMIT DROP AS
WITH lines AS (
    SELECT r.id, r.road_class, r.geom,
           r.measured AS measured
      FROM roads r
     WHERE r.length_m > 0
), pieces AS (
    SELECT c.code AS county_code, l.id AS road_id, l.road_class, l.measured,
           road_chainage_at(l.measured, ST_StartPoint(d.geom), CAST(:srid AS integer)) AS ca,
           road_chainage_at(l.measured, ST_EndPoint(d.geom), CAST(:srid AS integer)) AS cb
      FROM jurisdictions c
      JOIN lines l ON ST_Intersects(c.geom, l.geom)
     CROSS JOIN LATERAL ST_Dump(ST_CollectionExtract(ST_Intersection(l.geom, c.geom), 2)) AS d
     WHERE c.level = 'county' AND c.geom IS NOT NULL
), trimmed AS (
    SELECT county_code, road_id, road_class, measured,
           least(ca, cb) + 50 AS c_from,
           greatest(ca, cb) - 50 AS c_to,
           greatest(ca, cb) - least(ca, cb) - 100 AS usable_m
      FROM pieces
), pooled AS (
    SELECT t.county_code, k.kind, p.pool, t.road_id, t.measured, t.c_from, t.c_to, t.usable_m
      FROM trimmed t
     CROSS JOIN (VALUES ('point'), ('segment')) AS k(kind)
     CROSS JOIN (VALUES ('any'), ('ordinary')) AS p(pool)
     WHERE t.usable_m >= CASE k.kind WHEN 'point' THEN 200 ELSE CAST(:segment_room AS double precision) END
       AND (p.pool = 'any' OR t.road_class <> 'expressway')
), laid AS (
    SELECT p.*,
           sum(usable_m) OVER (PARTITION BY county_code, kind, pool ORDER BY road_id, c_from
                               ROWS UNBOUNDED PRECEDING) AS cum_to
      FROM pooled p
)
SELECT county_code, kind, pool, road_id, measured, c_from, c_to, usable_m,
       cum_to - usable_m AS cum_from, cum_to,
       max(cum_to) OVER (PARTITION BY county_code, kind, pool) AS total
  FROM laid;
