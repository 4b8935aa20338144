-- The history (履历) of one hazard, oldest first, as a JSON array built by PostgreSQL.
SELECT coalesce(
    json_agg(
        json_build_object(
            'version', e.version,
            'action', e.action,
            'actor', e.actor,
            'at', e.at,
            'changes', e.changes,
            'note', e.note
        )
        ORDER BY e.id
    ),
    '[]'::json
)::text
FROM hazard_events e
WHERE e.hazard_id = :id
