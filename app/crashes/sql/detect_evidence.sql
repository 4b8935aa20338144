-- The evidence of every finding along a run: the crashes of the time window on its stretch (a
-- junction point brought its own, from both roads).
UPDATE detect_found f
   SET crash_ids = e.crash_ids
  FROM (SELECT f.id, array_agg(c.id ORDER BY c.id) AS crash_ids
          FROM detect_found f
          JOIN detect_crashes c ON c.code = f.code AND c.run = f.run AND c.m BETWEEN f.start_m AND f.end_m
         WHERE NOT f.junction
         GROUP BY f.id) AS e
 WHERE e.id = f.id;
UPDATE detect_found f
   SET n = e.n, fatal = e.fatal, major = e.major, ordinary = e.ordinary,
       deaths = e.deaths, injuries = e.injuries
  FROM (SELECT f.id,
               count(*) AS n,
               count(*) FILTER (WHERE c.deaths > 0) AS fatal,
               count(*) FILTER (WHERE c.deaths >= CAST(:major_deaths AS integer)) AS major,
               count(*) FILTER (WHERE c.procedure = 'ordinary') AS ordinary,
               sum(c.deaths) AS deaths,
               sum(c.injuries) AS injuries
          FROM detect_found f
          JOIN crashes c ON c.id = ANY (f.crash_ids)
         GROUP BY f.id) AS e
 WHERE e.id = f.id;
-- A stretch cut short by the maximum length may keep too few crashes to meet a rule on its own.
DELETE FROM detect_found WHERE kind = 'segment' AND cardinality(/*reasons*/) = 0;
-- A junction's crashes are one finding: what the routes found among them alone is that junction.
DELETE FROM detect_found f
 USING detect_found p
 WHERE p.junction AND NOT f.junction AND f.crash_ids <@ p.crash_ids;
-- A stretch whose every crash belongs to one point is that point, not a stretch.
DELETE FROM detect_found s
 USING detect_found p
 WHERE s.kind = 'segment' AND p.kind = 'point' AND p.code = s.code AND s.crash_ids <@ p.crash_ids
