SELECT set_config('hazardmap.actor', CAST(:actor AS text), true),
       set_config('hazardmap.action', 'import', true);
INSERT INTO hazards (uid, kind, category_code, visibility, grade, source, description, address,
                     status, geom, created_by, updated_by)
SELECT coalesce(uid, gen_random_uuid()), kind, category_code, visibility, grade, source, description,
       nullif(address, ''), status, geom, CAST(:actor AS text), CAST(:actor AS text)
  FROM import_hazards
 WHERE reason IS NULL
 ORDER BY row_no
