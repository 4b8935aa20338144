-- All the jurisdictions that match, as one JSON array (no paging: a city has a few hundred).
SELECT count(*) AS matched,
       coalesce(json_agg(f.feature ORDER BY f.code), '[]'::json)::text AS features
FROM (/*features*/ WHERE /*where*/) f
