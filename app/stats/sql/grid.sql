-- Hazards counted per square cell of a map viewport: at low zoom a map draws these instead of every
-- pin, so the bytes sent depend on the screen, not on how many hazards a county has.
-- A segment counts where the ledger locates it, at its midpoint. The repository puts the filters
-- that were given where the marker is (only those, so that the planner sees what it filters on):
-- the hazard list's own clauses (app.hazards.repository.filter_clauses).
WITH picked AS (
    SELECT CASE WHEN h.kind = 'segment' THEN ST_LineInterpolatePoint(h.geom, 0.5) ELSE h.geom END AS anchor,
           h.status,
           h.status = ANY (CAST(:open_statuses AS text[])) AS is_open,
           -- 超期: the one definition (app.overdue)
           hazard_overdue(h.status, h.reported_at, h.deadline, CAST(:claim_days AS integer),
                          CAST(:today AS date)) AS is_overdue,
           h.supervision_level IS NOT NULL AS is_supervised
      FROM hazards h
     WHERE h.deleted_at IS NULL
       AND h.geom && ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326)
       /*where*/
),
cells AS (
    SELECT round(avg(ST_X(anchor))::numeric, 6) AS lon,
           round(avg(ST_Y(anchor))::numeric, 6) AS lat,
           count(*) AS count,
           count(*) FILTER (WHERE is_open) AS open,
           count(*) FILTER (WHERE status = 'closed') AS closed,
           count(*) FILTER (WHERE status = 'rejected') AS rejected,
           count(*) FILTER (WHERE is_overdue) AS overdue,
           count(*) FILTER (WHERE is_supervised) AS supervised
      FROM picked
     GROUP BY floor(ST_X(anchor) / :cell), floor(ST_Y(anchor) / :cell)
)
SELECT json_build_object(
           'cell', CAST(:cell AS float8),
           'total', coalesce(sum(count), 0),
           'cells', coalesce(json_agg(json_build_object(
                        'lon', lon, 'lat', lat, 'count', count, 'open', open, 'closed', closed,
                        'rejected', rejected, 'overdue', overdue, 'supervised', supervised)
                        ORDER BY count DESC), '[]'::json)
       )::text
  FROM cells
