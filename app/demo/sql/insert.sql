-- Place the demo rows of :specs (JSON from app.demo.generate) on the county's stretches and
-- insert them in the order they were reported, so that ledger numbers rise with the date.
-- county_code, township_code and ledger_no are left to the hazards_assign trigger; the county
-- and township named in the address are found by the same rules, so that they agree.
WITH spec AS (
    SELECT *
      FROM jsonb_to_recordset(CAST(CAST(:specs AS text) AS jsonb)) AS s(
               n int, kind text, county_code text, u double precision, v double precision,
               pool text, offset_m double precision, length_m double precision, carriageway smallint,
               category_code text, visibility text, grade text, source text, status text,
               description text, reported_at timestamptz, deadline date, uid uuid)
), picked AS (
    -- u × the county's laid-end-to-end road length falls on exactly one stretch.
    SELECT s.*, st.road_id, st.measured, st.c_from, st.c_to,
           r.code AS road_code, r.name AS road_name, r.road_class
      FROM spec s
      JOIN demo_stretches st
        ON st.county_code = s.county_code AND st.kind = s.kind AND st.pool = s.pool
       AND s.u * st.total >= st.cum_from AND s.u * st.total < st.cum_to
      JOIN roads r ON r.id = st.road_id
), points AS (
    SELECT p.*, road_point_at(p.measured, at_m) AS on_line,
           -- The road's heading here, for a point set beside it.
           ST_Azimuth(road_point_at(p.measured, greatest(at_m - 5, p.c_from))::geography,
                      road_point_at(p.measured, least(at_m + 5, p.c_to))::geography) AS heading
      FROM picked p
     CROSS JOIN LATERAL (SELECT p.c_from + p.v * (p.c_to - p.c_from) AS at_m) a
     WHERE p.kind = 'point'
), placed_points AS (
    SELECT p.n, p.kind, p.category_code, p.visibility, p.grade, p.source, p.status, p.description,
           p.reported_at, p.deadline, p.uid, p.carriageway, p.road_id, p.road_code, p.road_name, p.road_class,
           round(road_chainage_at(p.measured, g.geom, CAST(:srid AS integer))) AS chainage_m,
           NULL::double precision AS end_chainage_m,
           g.geom
      FROM points p
     CROSS JOIN LATERAL (
           SELECT CASE WHEN p.offset_m = 0 THEN p.on_line
                       ELSE ST_Project(p.on_line::geography, abs(p.offset_m),
                                       p.heading + sign(p.offset_m) * pi() / 2)::geometry END AS geom) g
), placed_segments AS (
    -- Cut from 100 m inside the stretch, starting on a whole metre of chainage.
    SELECT p.n, p.kind, p.category_code, p.visibility, p.grade, p.source, p.status, p.description,
           p.reported_at, p.deadline, p.uid, p.carriageway, p.road_id, p.road_code, p.road_name, p.road_class,
           at_m AS chainage_m,
           at_m + p.length_m AS end_chainage_m,
           road_line_between(p.measured, at_m, at_m + p.length_m) AS geom
      FROM picked p
     CROSS JOIN LATERAL (
           SELECT round(p.c_from + 100 + p.v * (p.c_to - p.c_from - p.length_m - 200)) AS at_m) a
     WHERE p.kind = 'segment'
), placed AS (
    SELECT * FROM placed_points
    UNION ALL
    SELECT * FROM placed_segments
), located AS (
    SELECT p.*, c.name AS county_name,
           replace(t.name, '办事处', '') AS township_name
      FROM placed p
     CROSS JOIN LATERAL (
           SELECT CASE WHEN p.kind = 'point' THEN p.geom ELSE ST_LineInterpolatePoint(p.geom, 0.5) END
               AS anchor) a
     CROSS JOIN LATERAL (
           SELECT j.code, j.name FROM jurisdictions j
            WHERE j.level = 'county' AND j.geom IS NOT NULL
              AND (ST_Covers(j.geom, a.anchor)
                   OR ST_DWithin(j.geom::geography, a.anchor::geography, 500))
            ORDER BY NOT ST_Covers(j.geom, a.anchor), ST_Distance(j.geom::geography, a.anchor::geography),
                     j.code
            LIMIT 1) c
     LEFT JOIN LATERAL (
           SELECT j.name FROM jurisdictions j
            WHERE j.level = 'township' AND j.parent_code = c.code
              AND ((j.geom IS NOT NULL AND ST_Covers(j.geom, a.anchor)) OR j.centre IS NOT NULL)
            ORDER BY j.geom IS NULL OR NOT ST_Covers(j.geom, a.anchor), j.centre <-> a.anchor
            LIMIT 1) t ON true
)
INSERT INTO hazards (kind, category_code, visibility, grade, source, description, address, status,
                     road_id, chainage_m, end_chainage_m, direction, geom, reported_at, deadline,
                     uid, created_by, demo)
SELECT l.kind, l.category_code, l.visibility, l.grade, l.source, l.description,
       -- 路段位置 as a brigade writes it: G309线K516+600 茌平区冯官屯镇, G20青银高速K402+300 …
       -- (the chainage spelled by app.roads.chainage, as everywhere else in the service)
       CASE WHEN l.road_class <> 'expressway' THEN l.road_code || '线'
            WHEN l.road_name LIKE l.road_code || '%' THEN replace(l.road_name, ' ', '')
            ELSE l.road_code || l.road_name END
           || /*chainage*/ || ' ' || l.county_name || coalesce(l.township_name, ''),
       l.status, l.road_id, l.chainage_m, l.end_chainage_m,
       -- Only a dual carriageway has a side; elsewhere a hazard concerns both directions.
       CASE WHEN l.road_class = 'expressway' THEN l.carriageway ELSE 3 END,
       l.geom, l.reported_at, l.deadline, l.uid, 'demo', true
  FROM located l
 ORDER BY l.reported_at, l.n;
