-- A page of roads and the number matched, in one statement; shaped like app/hazards/sql/list.sql
-- (count and page as separate scans, each planned for itself; only the page becomes JSON).
WITH page AS MATERIALIZED (
    SELECT r.id FROM roads r WHERE /*where*/ ORDER BY r.id LIMIT :limit OFFSET :offset
)
SELECT
    (SELECT count(*) FROM roads r WHERE /*where*/) AS number_matched,
    (SELECT count(*) FROM page) AS number_returned,
    (SELECT coalesce(json_agg(f.feature ORDER BY f.id), '[]'::json)::text
       FROM (/*features*/ WHERE r.id IN (SELECT id FROM page)) f) AS features
