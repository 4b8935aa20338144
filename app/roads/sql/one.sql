SELECT f.feature::text AS feature
FROM (/*features*/ WHERE r.id = :id) f
