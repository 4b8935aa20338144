-- Store a user's choices, one row per event and channel given (others keep theirs).
INSERT INTO notification_preferences (user_id, event, channel, enabled)
SELECT CAST(:user_id AS bigint), c.event, c.channel, c.enabled
FROM unnest(CAST(:events AS text[]), CAST(:channels AS text[]), CAST(:enabled AS boolean[]))
     AS c(event, channel, enabled)
ON CONFLICT (user_id, event, channel) DO UPDATE SET enabled = EXCLUDED.enabled
