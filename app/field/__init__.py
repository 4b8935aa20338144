"""The field officer's installable app: its offline package (the area's outlines, township seats and
roads), its web app manifest and its service worker. The page itself is app.maps' /field."""
