-- A page of hazards and the number matched, in one statement: for filters that match a large
-- share of the ledger (a county, a status, a box around the city, nothing). The where marker
-- becomes a conjunction of fixed clauses over hazards h (values bound), the features marker
-- features.sql. Count and page are separate scans, each planned for itself: the count a
-- (parallel) scan of all that match; the page a walk of the primary key in id order that stops
-- after the limit. Gathering the matches first (list_box.sql) would keep and sort up to a
-- million ids to return a thousand. Only the page's rows are joined and turned into JSON.
WITH page AS MATERIALIZED (
    SELECT h.id FROM hazards h WHERE /*where*/ ORDER BY h.id LIMIT :limit OFFSET :offset
)
SELECT
    (SELECT count(*) FROM hazards h WHERE /*where*/) AS number_matched,
    (SELECT count(*) FROM page) AS number_returned,
    (SELECT coalesce(json_agg(f.feature ORDER BY f.id), '[]'::json)::text
       FROM (/*features*/ WHERE h.id IN (SELECT id FROM page)) f) AS features
