-- The live photos of one hazard (:hazard_id) or one photo (:photo_id), oldest first, with links, as a JSON array built by PostgreSQL.
SELECT coalesce(
    json_agg(
        json_build_object(
            'id', p.id,
            'hazard_id', p.hazard_id,
            'stage', p.stage,
            'media_type', p.media_type,
            'sha256', p.sha256,
            'byte_size', p.byte_size,
            'width', p.width,
            'height', p.height,
            'taken_at', p.taken_at,
            'uploaded_by', p.uploaded_by,
            'uploaded_at', p.uploaded_at,
            'caption', p.caption,
            'links', json_build_array(
                json_build_object('rel', 'enclosure', 'type', p.media_type,
                                  'href', :base || '/api/v1/photos/' || p.id),
                json_build_object('rel', 'preview', 'type', 'image/jpeg',
                                  'href', :base || '/api/v1/photos/' || p.id || '/thumbnail')
            )
        )
        ORDER BY p.id
    ),
    '[]'::json
)::text
FROM hazard_photos p
WHERE (p.hazard_id = :hazard_id OR p.id = :photo_id) AND p.deleted_at IS NULL
