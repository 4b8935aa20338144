-- A user's stored choices (the defaults fill the rest in app.notifications.preferences).
SELECT event, channel, enabled FROM notification_preferences WHERE user_id = :user_id
