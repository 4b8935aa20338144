-- One delivery per enabled subscription that takes the event, for its counties (none listed: every county).
INSERT INTO webhook_deliveries (subscription_id, event, hazard_id, county_code, detail)
SELECT s.id, CAST(:event AS text), CAST(:hazard_id AS bigint), CAST(:county_code AS text), CAST(:detail AS text)
FROM webhook_subscriptions s
WHERE s.enabled
  AND CAST(:event AS text) = ANY(s.events)
  AND (cardinality(s.counties) = 0 OR CAST(:county_code AS text) = ANY(s.counties))
RETURNING id
