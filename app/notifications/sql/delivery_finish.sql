-- How an attempt ended: sent, pending again (a retry follows), failed or skipped.
UPDATE notification_deliveries
   SET state = :state,
       last_error = CAST(:error AS text),
       sent_at = CASE WHEN :state = 'sent' THEN now() ELSE sent_at END
 WHERE id = :id
