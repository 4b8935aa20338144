-- A page of hazards and the number matched, in one statement: for a map box, which matches a
-- few thousand to a few tens of thousands of rows. The matches are found once, through the
-- GiST index, and kept (MATERIALIZED): counted, and the page cut from them with a top-N sort.
-- Scanning twice (list.sql) cost about 1.7 times as much on boxes 0.1–0.2° wide over 1,000,000
-- rows. Only the page's rows are joined and turned into JSON.
WITH matched AS MATERIALIZED (
    SELECT h.id FROM hazards h WHERE /*where*/
),
page AS MATERIALIZED (
    SELECT id FROM matched ORDER BY id LIMIT :limit OFFSET :offset
)
SELECT
    (SELECT count(*) FROM matched) AS number_matched,
    (SELECT count(*) FROM page) AS number_returned,
    (SELECT coalesce(json_agg(f.feature ORDER BY f.id), '[]'::json)::text
       FROM (/*features*/ WHERE h.id IN (SELECT id FROM page)) f) AS features
