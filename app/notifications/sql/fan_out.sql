-- One notification per recipient of an event: active users of the given roles, city-wide roles
-- for every county, the others only for a county assigned to them; never the user who acted.
-- A user who turned the event off in the app gets it already read (the bell does not count it).
-- With e-mail on, the recipients who want it by e-mail and have an address get a pending delivery
-- (the outbox the worker's jobs send from); their ids are returned.
WITH told AS (
    INSERT INTO notifications (user_id, event, hazard_id, county_code, detail, read_at)
    SELECT u.id, CAST(:event AS text), CAST(:hazard_id AS bigint), CAST(:county_code AS text),
           CAST(:detail AS text),
           CASE WHEN p.enabled = false THEN now() END
    FROM users u
    LEFT JOIN notification_preferences p
      ON p.user_id = u.id AND p.event = CAST(:event AS text) AND p.channel = 'inapp'
    WHERE NOT u.disabled
      AND u.role = ANY(CAST(:roles AS text[]))
      AND u.id IS DISTINCT FROM CAST(:actor_id AS bigint)
      AND (
        u.role = ANY(CAST(:city_wide AS text[]))
        OR EXISTS (
          SELECT 1 FROM user_jurisdictions j WHERE j.user_id = u.id AND j.county_code = CAST(:county_code AS text)
        )
      )
    ORDER BY u.id  -- the recipients' notifications numbered in the order of the users
    RETURNING id, user_id, event
), mailed AS (
    INSERT INTO notification_deliveries (notification_id, channel)
    SELECT t.id, 'email'
    FROM told t
    JOIN users u ON u.id = t.user_id
    LEFT JOIN notification_preferences p
      ON p.user_id = t.user_id AND p.event = t.event AND p.channel = 'email'
    WHERE CAST(:email_on AS boolean)
      AND u.email IS NOT NULL
      AND coalesce(p.enabled, t.event = ANY(CAST(:email_default AS text[])))
    RETURNING id
)
SELECT (SELECT count(*) FROM told) AS told, coalesce((SELECT array_agg(id ORDER BY id) FROM mailed), '{}') AS mailed
