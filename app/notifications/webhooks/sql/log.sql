-- The delivery log, newest first: one subscription's or every one's.
SELECT d.id, d.subscription_id, s.name AS subscription, d.event, h.ledger_no, d.county_code, d.state,
       d.attempts, d.last_status, d.last_error, d.created_at, d.last_attempt_at, d.delivered_at
FROM webhook_deliveries d
JOIN webhook_subscriptions s ON s.id = d.subscription_id
LEFT JOIN hazards h ON h.id = d.hazard_id
WHERE (CAST(:subscription_id AS bigint) IS NULL OR d.subscription_id = :subscription_id)
  AND (CAST(:before AS bigint) IS NULL OR d.id < :before)
ORDER BY d.id DESC
LIMIT :limit
