UPDATE import_rows SET geom = ST_GeomFromWKB(wkb, 4326) WHERE reason IS NULL AND wkb IS NOT NULL;
UPDATE import_rows s SET field = 'uid', reason = 'already in the ledger as ' || h.ledger_no || ' (same uid)'
  FROM hazards h
 WHERE s.reason IS NULL AND h.uid = s.uid;
UPDATE import_rows SET field = 'geometry', reason = 'invalid geometry: ' || ST_IsValidReason(geom)
 WHERE reason IS NULL AND geom IS NOT NULL AND NOT ST_IsValid(geom);
-- Road + 桩号, a point: on the piece of the route whose range holds it (a hair beyond an end
-- is the end), as POST /hazards places it.
WITH measured AS MATERIALIZED (
    SELECT r.id, r.code, r.start_chainage_m AS s, r.length_m AS len,
           r.measured AS m
      FROM roads r
     WHERE r.code IN (SELECT road_code FROM import_rows WHERE reason IS NULL AND kind = 'point')
), placed AS (
    SELECT DISTINCT ON (i.row_no) i.row_no, m.id,
           road_point_at(m.m, least(greatest(i.chainage_m, m.s), m.s + m.len)) AS pt
      FROM import_rows i
      JOIN measured m ON m.code = i.road_code
                     AND i.chainage_m BETWEEN m.s - :tolerance AND m.s + m.len + :tolerance
     WHERE i.reason IS NULL AND i.kind = 'point' AND i.road_code IS NOT NULL
     ORDER BY i.row_no, m.s, m.id
)
UPDATE import_rows i SET road_id = p.id, geom = p.pt
  FROM placed p
 WHERE p.row_no = i.row_no;
-- Road + 桩号 range, a segment: cut from every piece of the route it crosses, joined in order,
-- refused unless the pieces hold the whole range.
WITH measured AS MATERIALIZED (
    SELECT r.id, r.code, r.start_chainage_m AS s, r.length_m AS len,
           r.measured AS m
      FROM roads r
     WHERE r.code IN (SELECT road_code FROM import_rows WHERE reason IS NULL AND kind = 'segment')
), cut AS (
    SELECT i.row_no, m.id, m.s,
           greatest(i.chainage_m, m.s) AS a, least(i.end_chainage_m, m.s + m.len) AS b, m.m
      FROM import_rows i
      JOIN measured m ON m.code = i.road_code AND m.s < i.end_chainage_m AND m.s + m.len > i.chainage_m
     WHERE i.reason IS NULL AND i.kind = 'segment' AND i.road_code IS NOT NULL
), joined AS (
    SELECT row_no, (array_agg(id ORDER BY s, id))[1] AS road_id, sum(b - a) AS covered_m,
           ST_MakeLine(array_agg(road_line_between(m, a, b) ORDER BY s, id)) AS line
      FROM cut
     WHERE b - a > 0.01
     GROUP BY row_no
)
UPDATE import_rows i SET road_id = j.road_id, geom = j.line
  FROM joined j
 WHERE j.row_no = i.row_no AND j.covered_m >= (i.end_chainage_m - i.chainage_m) - 2 * :tolerance;
UPDATE import_rows i
   SET field = :chainage_field,
       reason = CASE WHEN EXISTS (SELECT 1 FROM roads r WHERE r.code = i.road_code)
                     THEN coalesce(/*chainage*/, i.chainage_m || ' m') || ' is beyond road ' || i.road_code
                          || ' (' || (SELECT string_agg(/*run*/, ', ' ORDER BY r.start_chainage_m)
                                        FROM roads r WHERE r.code = i.road_code) || ')'
                     ELSE 'no road ' || i.road_code || ' in the network' END
 WHERE reason IS NULL AND road_code IS NOT NULL AND geom IS NULL;
-- The city's outline found and decompressed once, not once per row (ST_Force2D: a copy in memory).
WITH city AS MATERIALIZED (
    SELECT ST_Force2D(c.geom) AS geom FROM jurisdictions c WHERE c.code = :city_code AND c.geom IS NOT NULL
)
UPDATE import_rows s SET field = 'geometry', reason = 'outside the city'
  FROM city c
 WHERE s.reason IS NULL AND s.road_code IS NULL
   AND NOT ST_Intersects(s.geom, c.geom)
   AND NOT ST_DWithin(s.geom::geography, c.geom::geography, :border_m);
-- County and township by the rules of the hazards_assign trigger (the county covering the anchor,
-- lowest code first, else the nearest within 500 m; the township covering it, else the nearest
-- seat in the county), set-wise, so that the trigger has nothing left to look up per row. A row
-- the trigger would reject is refused here instead of aborting the whole write. The counties are
-- the outer loop (LATERAL), so that PostGIS prepares each outline once instead of once per row.
CREATE TEMP TABLE import_anchors ON COMMIT DROP AS
SELECT row_no, CASE WHEN ST_GeometryType(geom) = 'ST_Point' THEN geom
                    ELSE ST_LineInterpolatePoint(geom, 0.5) END AS anchor, CAST(NULL AS text) AS county_code
  FROM import_rows WHERE reason IS NULL;
UPDATE import_anchors a SET county_code = covered.code
  FROM (SELECT DISTINCT ON (c.row_no) c.row_no, j.code
          FROM jurisdictions j
         CROSS JOIN LATERAL (SELECT x.row_no FROM import_anchors x WHERE ST_Covers(j.geom, x.anchor)) AS c
         WHERE j.level = 'county' AND j.geom IS NOT NULL
         ORDER BY c.row_no, j.code) AS covered
 WHERE a.row_no = covered.row_no;
UPDATE import_anchors a
   SET county_code = (SELECT j.code FROM jurisdictions j
                       WHERE j.level = 'county' AND j.geom IS NOT NULL
                         AND ST_DWithin(j.geom::geography, a.anchor::geography, 500)
                       ORDER BY ST_Distance(j.geom::geography, a.anchor::geography) LIMIT 1)
 WHERE a.county_code IS NULL;
UPDATE import_rows s SET field = 'geometry', reason = 'outside every county'
  FROM import_anchors a
 WHERE s.row_no = a.row_no AND a.county_code IS NULL;
-- The township on the narrow table of anchors, then one pass over the wide staging rows. The
-- townships are looked up in a table of their own, so that each row's probes of the spatial index
-- meet townships only, not the city, counties, zones and villages around the same point.
CREATE TEMP TABLE import_townships ON COMMIT DROP AS
SELECT code, parent_code, geom, centre FROM jurisdictions WHERE level = 'township';
CREATE INDEX ON import_townships USING gist (geom);
CREATE INDEX ON import_townships USING gist (centre);
ANALYZE import_townships;
CREATE TEMP TABLE import_places ON COMMIT DROP AS
SELECT a.row_no, a.county_code,
       coalesce(
           (SELECT j.code FROM import_townships j
             WHERE j.parent_code = a.county_code
               AND j.geom IS NOT NULL AND ST_Covers(j.geom, a.anchor) LIMIT 1),
           (SELECT j.code FROM import_townships j
             WHERE j.parent_code = a.county_code AND j.centre IS NOT NULL
             ORDER BY j.centre <-> a.anchor LIMIT 1)) AS township_code
  FROM import_anchors a
 WHERE a.county_code IS NOT NULL;
UPDATE import_rows s SET county_code = p.county_code, township_code = p.township_code
  FROM import_places p
 WHERE s.row_no = p.row_no;
-- Pins given by lon/lat: the nearest road within the snapping distance gives road and 桩号; the
-- pin stays where it was put, as for a hazard created by the API.
-- Only the roads in a box of the snapping distance around the pin are measured (the box is in
-- degrees of longitude, wider than needed in latitude); the nearest of them in metres wins, as in
-- app/roads/sql/snap.sql. The (pin, road) pairs are measured road by road: PostGIS keeps the
-- last geography it measured from, so a road is prepared once for all its pins, not once per pin
-- (the same distances, a third of the time).
CREATE TEMP TABLE import_nearest ON COMMIT DROP AS
WITH pairs AS MATERIALIZED (
    SELECT i.row_no, r.id, r.geom AS road, i.geom AS pin
      FROM import_rows i
     CROSS JOIN LATERAL (  -- OFFSET 0: each pin asks the spatial index, whatever the estimates
           SELECT r.id, r.geom FROM roads r
            WHERE r.geom && ST_Expand(i.geom, :snap_m / (111000.0 * cos(radians(ST_Y(i.geom)))))
           OFFSET 0) AS r
     WHERE i.reason IS NULL AND i.road_code IS NULL AND i.kind = 'point'
     ORDER BY r.id
), measured AS MATERIALIZED (
    SELECT row_no, id, ST_Distance(road::geography, pin::geography) AS distance_m FROM pairs
)
SELECT DISTINCT ON (row_no) row_no, id AS road_id
  FROM measured
 WHERE distance_m <= :snap_m
 ORDER BY row_no, distance_m, id;
-- The 桩号 as road_chainage_at(measured, pin, srid) gives it (the nearest part of the road in the
-- metric CRS, the pin's measure on it), with each road's parts projected once rather than once per row.
WITH parts AS MATERIALIZED (
    SELECT r.id, d.path, ST_Transform(d.geom, CAST(:srid AS integer)) AS part
      FROM roads r
     CROSS JOIN LATERAL ST_Dump(r.measured) AS d
     WHERE r.id IN (SELECT road_id FROM import_nearest)
), located AS (
    SELECT DISTINCT ON (n.row_no) n.row_no, n.road_id, ST_InterpolatePoint(p.part, n.pt) AS chainage_m
      FROM (SELECT x.row_no, x.road_id, ST_Transform(i.geom, CAST(:srid AS integer)) AS pt
              FROM import_nearest x
              JOIN import_rows i ON i.row_no = x.row_no) AS n
      LEFT JOIN parts p ON p.id = n.road_id
     ORDER BY n.row_no, ST_Distance(p.part, n.pt), p.path
)
UPDATE import_rows i
   SET road_id = l.road_id, chainage_m = round(l.chainage_m::numeric, 1)
  FROM located l
 WHERE l.row_no = i.row_no;
-- Segments drawn as lines: a road and 桩号 range when both ends snap to the same route, as for a
-- segment created by the API (the road is the piece holding the lower chainage).
CREATE TEMP TABLE import_ends ON COMMIT DROP AS
WITH ends AS (
    SELECT i.row_no, e.which, e.pt
      FROM import_rows i
     CROSS JOIN LATERAL (VALUES (1, ST_StartPoint(i.geom)), (2, ST_EndPoint(i.geom))) AS e(which, pt)
     WHERE i.reason IS NULL AND i.road_code IS NULL AND i.kind = 'segment'
)
SELECT ends.row_no, ends.which, ends.pt, n.id AS road_id, n.code
  FROM ends
 CROSS JOIN LATERAL (
       SELECT r.id, r.code, ST_Distance(r.geom::geography, ends.pt::geography) AS distance_m
         FROM roads r
        WHERE r.geom && ST_Expand(ends.pt, :snap_m / (111000.0 * cos(radians(ST_Y(ends.pt)))))
        ORDER BY 3, r.id
        LIMIT 1) AS n
 WHERE n.distance_m <= :snap_m;
WITH measured AS MATERIALIZED (
    SELECT r.id, r.measured AS m
      FROM roads r
     WHERE r.id IN (SELECT road_id FROM import_ends)
), placed AS (
    SELECT e.row_no, e.which, e.road_id, e.code,
           road_chainage_at(m.m, e.pt, CAST(:srid AS integer)) AS c
      FROM import_ends e
      JOIN measured m ON m.id = e.road_id
), paired AS (
    SELECT a.row_no, CASE WHEN a.c <= b.c THEN a.road_id ELSE b.road_id END AS road_id,
           least(a.c, b.c) AS lo, greatest(a.c, b.c) AS hi
      FROM placed a
      JOIN placed b ON b.row_no = a.row_no AND a.which = 1 AND b.which = 2 AND a.code = b.code
)
UPDATE import_rows i
   SET road_id = p.road_id, chainage_m = round(p.lo::numeric, 1), end_chainage_m = round(p.hi::numeric, 1)
  FROM paired p
 WHERE p.row_no = i.row_no
