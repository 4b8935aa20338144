-- One notification per recipient of an event: active users of the given roles, city-wide roles
-- for every county, the others only for a county assigned to them; never the user who acted.
INSERT INTO notifications (user_id, event, hazard_id, county_code, detail)
SELECT u.id, CAST(:event AS text), CAST(:hazard_id AS bigint), CAST(:county_code AS text), CAST(:detail AS text)
FROM users u
WHERE NOT u.disabled
  AND u.role = ANY(CAST(:roles AS text[]))
  AND u.id IS DISTINCT FROM CAST(:actor_id AS bigint)
  AND (
    u.role = ANY(CAST(:city_wide AS text[]))
    OR EXISTS (
      SELECT 1 FROM user_jurisdictions j WHERE j.user_id = u.id AND j.county_code = CAST(:county_code AS text)
    )
  )
