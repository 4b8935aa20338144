-- The digest's recipient: their address, role and counties (city-wide roles: every county).
SELECT u.email, NOT u.disabled AS active, u.role = ANY(CAST(:city_wide AS text[])) AS city_wide,
       coalesce((SELECT array_agg(uj.county_code ORDER BY uj.county_code)
                   FROM user_jurisdictions uj WHERE uj.user_id = u.id), '{}') AS counties
FROM users u
WHERE u.id = :user_id
