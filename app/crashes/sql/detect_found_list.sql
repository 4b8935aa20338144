-- The findings, to be placed on the road by their chainage.
SELECT id, kind, code, start_m, end_m, point_m FROM detect_found ORDER BY id
