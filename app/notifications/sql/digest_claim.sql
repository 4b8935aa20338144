-- Take a user's digest of a day for an attempt (see delivery_claim.sql).
WITH before AS (
    SELECT user_id, day, state FROM notification_digests WHERE user_id = :user_id AND day = :day FOR UPDATE
)
UPDATE notification_digests g
   SET state = 'sending', attempts = g.attempts + 1, attempted_at = now()
  FROM before
 WHERE g.user_id = before.user_id AND g.day = before.day AND before.state IN ('pending', 'sending')
RETURNING g.attempts, before.state AS was
