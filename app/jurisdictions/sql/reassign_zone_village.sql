-- After outlines or village points change: every hazard's zone and village by the one rule
-- (hazard_zone_village); returns how many hazards changed. Each change is in the hazard's history.
SELECT hazards_reassign_zone_village() AS changed
