-- The live photos of one hazard, by stage (上报, 整改前, 整改后), oldest first.
SELECT p.id, p.stage, p.width, p.height, p.caption, p.taken_at, p.uploaded_by, p.uploaded_at
FROM hazard_photos p
WHERE p.hazard_id = :id AND p.deleted_at IS NULL
ORDER BY CASE p.stage WHEN 'report' THEN 0 WHEN 'before' THEN 1 ELSE 2 END, p.id
