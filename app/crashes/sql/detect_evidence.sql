-- The evidence of every finding: the crashes of the time window on its stretch of road.
UPDATE detect_found f
   SET n = e.n, fatal = e.fatal, major = e.major, ordinary = e.ordinary,
       deaths = e.deaths, injuries = e.injuries, crash_ids = e.crash_ids
  FROM (SELECT f.id,
               count(*) AS n,
               count(*) FILTER (WHERE c.deaths > 0) AS fatal,
               count(*) FILTER (WHERE c.deaths >= CAST(:major_deaths AS integer)) AS major,
               count(*) FILTER (WHERE c.procedure = 'ordinary') AS ordinary,
               sum(c.deaths) AS deaths,
               sum(c.injuries) AS injuries,
               array_agg(c.id ORDER BY c.id) AS crash_ids
          FROM detect_found f
          JOIN crashes c ON c.road_id = f.road_id AND c.chainage_m BETWEEN f.start_m AND f.end_m
         WHERE c.occurred_at >= :since AND c.occurred_at < :until
         GROUP BY f.id) AS e
 WHERE e.id = f.id;
-- A stretch whose every crash belongs to one point is that point, not a stretch.
DELETE FROM detect_found s
 USING detect_found p
 WHERE s.kind = 'segment' AND p.kind = 'point' AND p.road_id = s.road_id AND s.crash_ids <@ p.crash_ids
