SELECT 1 FROM jurisdictions WHERE code = :code AND level = 'county' AND geom IS NOT NULL
