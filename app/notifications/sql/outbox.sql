-- The channels of notifications written by a statement of its own (deadlines, candidates) rather than
-- fan_out.sql, which does the same in its insert: marked read for whoever turned the event off in the
-- app, and a pending e-mail delivery for whoever wants it by e-mail and has an address. The delivery
-- ids are returned (their jobs are queued in the same transaction).
WITH muted AS (
    UPDATE notifications n
       SET read_at = now()
      FROM notification_preferences p
     WHERE n.id = ANY(CAST(:ids AS bigint[]))
       AND n.read_at IS NULL
       AND p.user_id = n.user_id AND p.event = n.event AND p.channel = 'inapp' AND NOT p.enabled
), mailed AS (
    INSERT INTO notification_deliveries (notification_id, channel)
    SELECT n.id, 'email'
    FROM notifications n
    JOIN users u ON u.id = n.user_id
    LEFT JOIN notification_preferences p
      ON p.user_id = n.user_id AND p.event = n.event AND p.channel = 'email'
    WHERE n.id = ANY(CAST(:ids AS bigint[]))
      AND CAST(:email_on AS boolean)
      AND u.email IS NOT NULL
      AND coalesce(p.enabled, n.event = ANY(CAST(:email_default AS text[])))
    ON CONFLICT (notification_id, channel) DO NOTHING
    RETURNING id
)
SELECT coalesce((SELECT array_agg(id ORDER BY id) FROM mailed), '{}') AS mailed
