-- The day's notifications of a user not yet read in the app (or kept read because the app's
-- channel is off for the event), for the events they want in the digest, in their jurisdiction.
SELECT n.event, n.detail, n.created_at, h.id AS hazard_id, h.kind, h.ledger_no, h.address, j.name AS county_name, n.county_code
FROM notifications n
LEFT JOIN hazards h ON h.id = n.hazard_id
LEFT JOIN jurisdictions j ON j.code = n.county_code
LEFT JOIN notification_preferences pd ON pd.user_id = n.user_id AND pd.event = n.event AND pd.channel = 'digest'
LEFT JOIN notification_preferences pa ON pa.user_id = n.user_id AND pa.event = n.event AND pa.channel = 'inapp'
WHERE n.user_id = :user_id
  AND n.created_at >= :since AND n.created_at < :until
  AND (n.read_at IS NULL OR pa.enabled = false)
  AND coalesce(pd.enabled, true)
  AND (h.id IS NULL OR h.deleted_at IS NULL)
  AND (CAST(:city_wide AS boolean) OR n.county_code = ANY(CAST(:counties AS text[])))
ORDER BY n.id
LIMIT :limit
