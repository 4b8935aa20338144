-- Crashes at a junction: where two routes with crashes cross (or one ends on the other), every
-- crash within the point radius of the crossing counts, on whichever road it was placed. A
-- junction is a finding when its crashes lie on two routes or more and meet a rule; of findings
-- sharing crashes, the busiest stands. Its route is the one holding most of its crashes; the
-- caller places the crossing on that route (its chainage) and adds the point to detect_found.
CREATE TEMP TABLE detect_junctions ON COMMIT DROP AS
WITH busy AS (
    SELECT r.id, r.code, r.geom
      FROM roads r
     WHERE r.id IN (SELECT road_id FROM detect_crashes)
), crossing AS (
    SELECT DISTINCT d.geom AS pt
      FROM busy a
      JOIN busy b ON a.code < b.code AND ST_Intersects(a.geom, b.geom),
           LATERAL ST_Dump(ST_Intersection(a.geom, b.geom)) AS d
     WHERE GeometryType(d.geom) = 'POINT'
), evidence AS (
    SELECT x.pt, count(*) AS n, sum(c.fatal) AS fatal, sum(c.major) AS major,
           sum(c.ordinary) AS ordinary, count(DISTINCT c.code) AS routes,
           array_agg(c.id ORDER BY c.id) AS crash_ids
      FROM crossing x
      JOIN detect_crashes c ON ST_DWithin(c.geog, x.pt::geography, CAST(:radius AS double precision))
     GROUP BY x.pt
), flagged AS (
    SELECT row_number() OVER (ORDER BY n DESC, fatal DESC, ordinary DESC, ST_X(pt), ST_Y(pt)) AS rank,
           evidence.*
      FROM evidence
     WHERE routes >= 2 AND cardinality(/*reasons*/) > 0
)
SELECT f.rank AS j, ST_X(f.pt) AS lon, ST_Y(f.pt) AS lat, main.code, f.crash_ids
  FROM flagged f,
       LATERAL (SELECT c.code FROM detect_crashes c WHERE c.id = ANY (f.crash_ids)
                 GROUP BY c.code ORDER BY count(*) DESC, c.code LIMIT 1) AS main
 WHERE NOT EXISTS (SELECT 1 FROM flagged g WHERE g.rank < f.rank AND g.crash_ids && f.crash_ids)
