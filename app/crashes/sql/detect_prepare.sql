-- One detection at a time: a second run waits, then replaces what the first proposed.
SELECT pg_advisory_xact_lock(hashtext('hazardmap.detect'));
DROP TABLE IF EXISTS pg_temp.detect_pieces, pg_temp.detect_runs, pg_temp.detect_crashes,
    pg_temp.detect_windows, pg_temp.detect_found;
-- A route is every piece sharing a code; pieces that meet end to end (by chainage) form one run,
-- and the detection measures along whole runs: a window may span a piece boundary. A gap in the
-- chainage (no piece holds it) parts a route into runs, as it parts the road.
CREATE TEMP TABLE detect_pieces ON COMMIT DROP AS
WITH piece AS (
    SELECT r.id AS road_id, r.code, r.road_class, r.start_chainage_m AS s,
           r.start_chainage_m + r.length_m AS e
      FROM roads r
), flagged AS (
    SELECT piece.*,
           CASE WHEN s <= max(e) OVER (PARTITION BY code ORDER BY s, e, road_id
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) + 1.0
                THEN 0 ELSE 1 END AS starts_run
      FROM piece
)
SELECT flagged.*, sum(starts_run) OVER (PARTITION BY code ORDER BY s, e, road_id) AS run
  FROM flagged;
-- Each run: its extent and its segment window (the longest its pieces' road classes give).
CREATE TEMP TABLE detect_runs ON COMMIT DROP AS
SELECT code, run, min(s) AS lo, max(e) AS hi,
       max(coalesce((CAST(:windows AS jsonb) ->> road_class)::double precision,
                    CAST(:window_m AS double precision))) AS w
  FROM detect_pieces
 GROUP BY code, run;
-- The crashes of the time window placed on the network, by run and measure (chainage) along it.
CREATE TEMP TABLE detect_crashes ON COMMIT DROP AS
SELECT c.id, c.road_id, p.code, p.run, c.chainage_m AS m,
       (c.deaths > 0)::integer AS fatal,
       (c.deaths >= CAST(:major_deaths AS integer))::integer AS major,
       (c.procedure = 'ordinary')::integer AS ordinary,
       c.geom::geography AS geog
  FROM crashes c
  JOIN detect_pieces p ON p.road_id = c.road_id
 WHERE c.occurred_at >= :since AND c.occurred_at < :until AND c.chainage_m IS NOT NULL;
CREATE INDEX ON detect_crashes (code, run, m);
CREATE INDEX ON detect_crashes USING gist (geog);
ANALYZE detect_crashes;
CREATE TEMP TABLE detect_found (
    id serial PRIMARY KEY,
    kind text NOT NULL,
    code text NOT NULL,
    run bigint NOT NULL,
    start_m double precision NOT NULL,
    end_m double precision NOT NULL,
    point_m double precision,
    junction boolean NOT NULL DEFAULT false,
    n integer,
    fatal integer,
    major integer,
    ordinary integer,
    deaths integer,
    injuries integer,
    crash_ids bigint[],
    road_id bigint,
    geom geometry
) ON COMMIT DROP
