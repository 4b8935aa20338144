-- A delivery with what its request needs: the subscription, the hazard's ledger number, the county's name.
SELECT d.id, d.event, d.state, d.attempts, d.detail, d.county_code, d.created_at, d.candidate_id,
       s.url, s.secret, s.format, s.enabled,
       h.ledger_no, h.kind, h.id AS hazard_id, j.name AS county
FROM webhook_deliveries d
JOIN webhook_subscriptions s ON s.id = d.subscription_id
LEFT JOIN hazards h ON h.id = d.hazard_id
LEFT JOIN jurisdictions j ON j.code = d.county_code
WHERE d.id = :id
