SELECT f.feature::text AS feature
FROM (/*features*/ WHERE j.code = :code) f
