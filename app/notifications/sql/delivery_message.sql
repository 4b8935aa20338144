-- What one e-mail says, and whether its recipient should still get it: active, with an address,
-- e-mail still wanted for the event, and the hazard still in their jurisdiction (city-wide roles:
-- everywhere; the others: their assigned counties), not deleted.
SELECT u.email,
       n.event,
       n.detail,
       n.created_at,
       h.id AS hazard_id,
       h.kind,
       h.ledger_no,
       h.address,
       h.deadline,
       j.name AS county_name,
       n.county_code,
       (NOT u.disabled
        AND u.email IS NOT NULL
        AND coalesce(p.enabled, n.event = ANY(CAST(:email_default AS text[])))
        AND (h.id IS NULL OR h.deleted_at IS NULL)
        AND (u.role = ANY(CAST(:city_wide AS text[]))
             OR EXISTS (SELECT 1 FROM user_jurisdictions uj
                         WHERE uj.user_id = u.id AND uj.county_code = n.county_code))) AS wanted
FROM notification_deliveries d
JOIN notifications n ON n.id = d.notification_id
JOIN users u ON u.id = n.user_id
LEFT JOIN hazards h ON h.id = n.hazard_id
LEFT JOIN jurisdictions j ON j.code = n.county_code
LEFT JOIN notification_preferences p ON p.user_id = u.id AND p.event = n.event AND p.channel = 'email'
WHERE d.id = :id
