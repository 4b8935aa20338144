-- Take a delivery for an attempt: committed as 'sending' before the message goes out. Nothing when
-- it was sent, failed or skipped already (a job run twice sends nothing the second time). `was`
-- says whether an earlier attempt stopped between taking it and recording the server's answer.
WITH before AS (
    SELECT id, state FROM notification_deliveries WHERE id = :id FOR UPDATE
)
UPDATE notification_deliveries d
   SET state = 'sending', attempts = d.attempts + 1, attempted_at = now()
  FROM before
 WHERE d.id = before.id AND before.state IN ('pending', 'sending')
RETURNING d.attempts, before.state AS was
