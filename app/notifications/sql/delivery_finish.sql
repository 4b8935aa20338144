-- How an attempt ended: sent, pending again (a retry follows), failed or skipped; the last error
-- is kept after a later success (sent after a refusal).
UPDATE notification_deliveries
   SET state = CAST(:state AS text),
       last_error = coalesce(CAST(:error AS text), last_error),
       sent_at = CASE WHEN CAST(:state AS text) = 'sent' THEN now() ELSE sent_at END
 WHERE id = :id
