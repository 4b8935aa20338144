-- The ledger (台账) of one jurisdiction: one row per hazard, as a Chinese ledger shows it. Values are
-- display text (labels, Beijing times) because every output of it (JSON, CSV, XLSX) is a document.
-- Bound: :labels (vocabulary code → label, Chinese or English; "lang" says which), :tz, :in_county / :in_township (null = any); the
-- hazard list's filters (app.hazards.repository.filter_clauses, whose own county and township are
-- lists) go in at the where marker below.
WITH params AS (
    SELECT CAST(:labels AS jsonb) AS labels,
           CAST(:tz AS text) AS tz,
           CAST(:in_county AS text) AS county,
           CAST(:in_township AS text) AS township
)
SELECT coalesce(json_agg(r ORDER BY r.no), '[]'::json)::text
FROM (
    SELECT row_number() OVER (ORDER BY h.county_code, h.reported_at, h.ledger_no) AS no,
           h.ledger_no,
           co.name AS county,
           tw.name AS township,
           r.code AS road_code,
           /*chainage*/ AS chainage,
           h.address AS place,
           p.labels -> 'direction' ->> h.direction::text AS direction,
           CASE WHEN p.labels ->> 'lang' = 'en' THEN coalesce(c.name_en, c.name_zh) ELSE c.name_zh END AS category,
           nullif(h.description, '') AS description,
           p.labels -> 'visibility' ->> h.visibility AS visibility,
           p.labels -> 'grade' ->> h.grade AS grade,
           to_char(h.reported_at AT TIME ZONE p.tz, 'YYYY-MM-DD HH24:MI') AS reported_at,
           p.labels -> 'source' ->> h.source AS source,
           h.claim_name,
           h.claim_post,
           h.claim_unit,
           to_char(h.claimed_at AT TIME ZONE p.tz, 'YYYY-MM-DD HH24:MI') AS claimed_at,
           h.interim_measures,
           h.measures,
           to_char(h.deadline, 'YYYY-MM-DD') AS deadline,
           p.labels -> 'status' ->> h.status AS status,
           to_char(h.rectified_at AT TIME ZONE p.tz, 'YYYY-MM-DD HH24:MI') AS rectified_at,
           to_char(h.closed_at AT TIME ZONE p.tz, 'YYYY-MM-DD HH24:MI') AS closed_at,
           h.verifier,
           p.labels -> 'supervised' ->> (h.supervision_level IS NOT NULL)::text AS supervised,
           p.labels -> 'supervision_level' ->> h.supervision_level AS supervision_level
      FROM hazards h
     CROSS JOIN params p
      LEFT JOIN categories c ON c.code = h.category_code
      LEFT JOIN jurisdictions co ON co.code = h.county_code
      LEFT JOIN jurisdictions tw ON tw.code = h.township_code
      LEFT JOIN roads r ON r.id = h.road_id
     WHERE h.deleted_at IS NULL
       AND (p.county IS NULL OR h.county_code = p.county)
       AND (p.township IS NULL OR h.township_code = p.township)
       /*where*/
) r
