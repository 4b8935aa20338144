-- The history (履历) of one hazard, oldest first, for the record page's timeline.
SELECT e.id, e.version, e.action, e.actor, e.at, e.changes, e.note
FROM hazard_events e
WHERE e.hazard_id = :id
ORDER BY e.id
