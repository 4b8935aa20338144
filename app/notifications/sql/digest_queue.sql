-- The day's digests: one row per active user with an address who wants at least one event in the
-- digest (no row turning it off, or a row turning it on). The key (user, day) makes a second run of
-- the same day's job, by another worker or again, add nobody; the new rows are returned.
INSERT INTO notification_digests (user_id, day)
SELECT u.id, CAST(:day AS date)
FROM users u
WHERE NOT u.disabled
  AND u.email IS NOT NULL
  AND EXISTS (
    SELECT 1 FROM unnest(CAST(:events AS text[])) AS e(event)
    WHERE coalesce(
      (SELECT p.enabled FROM notification_preferences p
        WHERE p.user_id = u.id AND p.event = e.event AND p.channel = 'digest'),
      true)
  )
ON CONFLICT (user_id, day) DO NOTHING
RETURNING user_id
