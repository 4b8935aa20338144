-- Crashes counted per square cell of :cell metres in the metric system (:srid), cells drawn back in
-- WGS84. Only cells that hold crashes come out: the count is over the crashes, not over a grid
-- generated across the box. The cell indexes are floor(x / cell), the squares of ST_SquareGrid.
WITH crash AS (
    SELECT ST_Transform(c.geom, CAST(:srid AS integer)) AS g, c.deaths, c.injuries
      FROM crashes c
     WHERE /*where*/
), cell AS (
    SELECT floor(ST_X(g) / CAST(:cell AS double precision))::bigint AS i,
           floor(ST_Y(g) / CAST(:cell AS double precision))::bigint AS j,
           count(*) AS crashes, count(*) FILTER (WHERE deaths > 0) AS fatal_crashes,
           sum(deaths) AS deaths, sum(injuries) AS injuries
      FROM crash
     GROUP BY 1, 2
)
SELECT count(*) AS cells, coalesce(max(crashes), 0) AS max_crashes, coalesce(sum(crashes), 0) AS crashes,
       coalesce(json_agg(json_build_object(
           'type', 'Feature',
           'geometry', ST_AsGeoJSON(ST_Transform(
               ST_MakeEnvelope(i * CAST(:cell AS double precision), j * CAST(:cell AS double precision),
                           (i + 1) * CAST(:cell AS double precision), (j + 1) * CAST(:cell AS double precision),
                           CAST(:srid AS integer)), 4326), 6)::json,
           'properties', json_build_object('crashes', crashes, 'fatal_crashes', fatal_crashes,
                                           'deaths', deaths, 'injuries', injuries))
           ORDER BY crashes DESC, i, j), '[]')::text AS features
  FROM cell
