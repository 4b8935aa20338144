-- One hazard as a Feature, with what the caller needs to answer 404/410 and the ETag.
SELECT f.kind, f.version, f.deleted_at IS NOT NULL AS deleted, f.feature::text AS feature
FROM (/*features*/ WHERE h.id = :id) f
