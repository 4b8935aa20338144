-- How a digest's attempt ended.
UPDATE notification_digests
   SET state = :state,
       last_error = CAST(:error AS text),
       items = coalesce(CAST(:items AS integer), items),
       sent_at = CASE WHEN :state = 'sent' THEN now() ELSE sent_at END
 WHERE user_id = :user_id AND day = :day
