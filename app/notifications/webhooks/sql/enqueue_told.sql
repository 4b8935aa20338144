-- The events a periodic job told in this transaction (its notifications' created_at is the transaction's
-- now()), one delivery per subscription that takes them; once per subscription and once-key, however
-- often the job runs or however many workers run it.
INSERT INTO webhook_deliveries (subscription_id, event, hazard_id, candidate_id, county_code, detail, once_key)
SELECT s.id, t.event, t.hazard_id, t.candidate_id, t.county_code, t.detail, t.once_key
FROM (
  SELECT DISTINCT n.event, n.hazard_id, n.candidate_id, n.county_code, n.detail, n.once_key
  FROM notifications n
  WHERE n.event = ANY(CAST(:events AS text[])) AND n.created_at = now()
) t
JOIN webhook_subscriptions s
  ON s.enabled
 AND t.event = ANY(s.events)
 AND (cardinality(s.counties) = 0 OR t.county_code = ANY(s.counties))
ON CONFLICT (subscription_id, once_key) WHERE once_key IS NOT NULL DO NOTHING
RETURNING id
