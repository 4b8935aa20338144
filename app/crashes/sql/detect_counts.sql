-- What the run found, before it is placed on the road and stored.
SELECT (SELECT count(*) FROM detect_crashes) AS crashes,
       count(*) FILTER (WHERE kind = 'segment') AS segments,
       count(*) FILTER (WHERE kind = 'point') AS points,
       count(*) FILTER (WHERE junction) AS junctions
  FROM detect_found
