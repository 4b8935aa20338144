-- The junction findings, to be placed on their routes.
SELECT j, lon, lat, code FROM detect_junctions ORDER BY j
