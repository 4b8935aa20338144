-- A page of jurisdictions and the number matched (the OGC API pages every collection; the
-- jurisdictions API lists them all at once). The where marker becomes fixed clauses over
-- jurisdictions j (values bound), the features marker app/jurisdictions/sql/features.sql.
WITH page AS MATERIALIZED (
    SELECT j.code FROM jurisdictions j WHERE /*where*/ ORDER BY j.code LIMIT :limit OFFSET :offset
)
SELECT
    (SELECT count(*) FROM jurisdictions j WHERE /*where*/) AS number_matched,
    (SELECT count(*) FROM page) AS number_returned,
    (SELECT coalesce(json_agg(f.feature ORDER BY f.code), '[]'::json)::text
       FROM (/*features*/ WHERE j.code IN (SELECT code FROM page)) f) AS features
