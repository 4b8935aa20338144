-- One detection at a time: a second run waits, then replaces what the first proposed.
SELECT pg_advisory_xact_lock(hashtext('hazardmap.detect'));
DROP TABLE IF EXISTS pg_temp.detect_roads, pg_temp.detect_bins, pg_temp.detect_windows, pg_temp.detect_found;
CREATE TEMP TABLE detect_roads ON COMMIT DROP AS
SELECT r.id AS road_id, r.code, r.start_chainage_m AS s, r.length_m AS len,
       coalesce((CAST(:windows AS jsonb) ->> r.road_class)::double precision,
                CAST(:window_m AS double precision)) AS w,
       greatest(ceil(r.length_m / CAST(:step AS double precision))::integer - 1, 0) AS last_bin
  FROM roads r;
-- The crashes of the time window counted per road and per step-long bin of chainage: every
-- window below is a sum of consecutive bins, so no crash is visited more than once.
CREATE TEMP TABLE detect_bins ON COMMIT DROP AS
SELECT c.road_id,
       least(greatest(floor((c.chainage_m - r.s) / CAST(:step AS double precision))::integer, 0),
             r.last_bin) AS k,
       count(*) AS n,
       count(*) FILTER (WHERE c.deaths > 0) AS fatal,
       count(*) FILTER (WHERE c.deaths >= CAST(:major_deaths AS integer)) AS major,
       count(*) FILTER (WHERE c.procedure = 'ordinary') AS ordinary,
       min(c.chainage_m) AS lo,
       max(c.chainage_m) AS hi
  FROM crashes c
  JOIN detect_roads r ON r.road_id = c.road_id
 WHERE c.occurred_at >= :since AND c.occurred_at < :until AND c.chainage_m IS NOT NULL
 GROUP BY 1, 2;
CREATE INDEX ON detect_bins (road_id, k);
ANALYZE detect_bins;
CREATE TEMP TABLE detect_found (
    id serial PRIMARY KEY,
    kind text NOT NULL,
    road_id bigint NOT NULL,
    start_m double precision NOT NULL,
    end_m double precision NOT NULL,
    point_m double precision,
    n integer,
    fatal integer,
    major integer,
    ordinary integer,
    deaths integer,
    injuries integer,
    crash_ids bigint[]
) ON COMMIT DROP
