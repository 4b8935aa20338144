-- How a digest's attempt ended.
UPDATE notification_digests
   SET state = CAST(:state AS text),
       last_error = coalesce(CAST(:error AS text), last_error),
       items = coalesce(CAST(:items AS integer), items),
       sent_at = CASE WHEN CAST(:state AS text) = 'sent' THEN now() ELSE sent_at END
 WHERE user_id = :user_id AND day = :day
