-- list.sql for a filter of no more than kind, county and status (the first page of a county's list, a
-- status tab, the whole ledger): the page as there, but the number matched summed from hazard_counts,
-- the live rows counted by county, kind and status (kept by the writes' own triggers; see the migration
-- hazard_counts), instead of counted over the ledger, which over a province's ten million rows took
-- seconds. The counted marker becomes the same conjunction over hazard_counts c.
WITH page AS MATERIALIZED (
    SELECT h.id FROM hazards h WHERE /*where*/ ORDER BY h.id LIMIT :limit OFFSET :offset
)
SELECT
    (SELECT coalesce(sum(c.n), 0)::bigint FROM hazard_counts c WHERE /*counted*/) AS number_matched,
    (SELECT count(*) FROM page) AS number_returned,
    (SELECT coalesce(json_agg(f.feature ORDER BY f.id), '[]'::json)::text
       FROM (/*features*/ WHERE h.id IN (SELECT id FROM page)) f) AS features
