-- The pending accident-prone candidates (of the detection run just stored) told to the officers of
-- the county the candidate lies in (hazard_place: a segment by its midpoint) and to the city-wide
-- roles. A run replaces the pending candidates with new rows: the key is the stretch (road, kind,
-- chainages), not the row, so a stretch found again by a later run is not told again.
INSERT INTO notifications (user_id, event, candidate_id, county_code, once_key)
SELECT u.id, 'candidate', c.id, p.county_code, k.once_key
FROM accident_prone_candidates c
CROSS JOIN LATERAL hazard_place(c.geom) p
CROSS JOIN LATERAL (
  SELECT 'candidate:' || c.road_code || ':' || c.kind || ':' || round(c.start_chainage_m)
         || ':' || round(c.end_chainage_m) AS once_key
) k
JOIN users u
  ON NOT u.disabled
 AND u.role = ANY(CAST(:roles AS text[]))
 AND (
   u.role = ANY(CAST(:city_wide AS text[]))
   OR EXISTS (SELECT 1 FROM user_jurisdictions j WHERE j.user_id = u.id AND j.county_code = p.county_code)
 )
WHERE c.status = 'candidate'
  AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = u.id AND n.once_key = k.once_key)
ON CONFLICT (user_id, once_key) WHERE once_key IS NOT NULL DO NOTHING
RETURNING id
