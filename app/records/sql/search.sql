-- Search the ledger (:how = 'ledger_no' | 'road' | 'text'), most relevant first, at most :limit rows.
-- ledger_no: the exact number first, then numbers containing :q; road: hazards on roads coded :road,
-- nearest along the road to :chainage_m (0 within a segment's stretch); text: description or place
-- containing :q (:pattern is :q with LIKE's wildcards escaped).
SELECT h.id, h.kind, h.ledger_no, h.status, h.grade, h.description, h.address, h.deadline,
       c.name_zh AS category_zh, c.name_en AS category_en, co.name AS county_name,
       r.code AS road_code, h.chainage_m, h.end_chainage_m,
       CASE WHEN :how = 'road' THEN
           CASE WHEN h.end_chainage_m IS NOT NULL
                     AND CAST(:chainage_m AS float8) BETWEEN least(h.chainage_m, h.end_chainage_m)
                                                         AND greatest(h.chainage_m, h.end_chainage_m)
                THEN 0
                ELSE least(abs(h.chainage_m - CAST(:chainage_m AS float8)),
                           coalesce(abs(h.end_chainage_m - CAST(:chainage_m AS float8)), 'Infinity'))
           END
       END AS distance_m
FROM hazards h
LEFT JOIN categories c ON c.code = h.category_code
LEFT JOIN jurisdictions co ON co.code = h.county_code
LEFT JOIN roads r ON r.id = h.road_id
WHERE h.deleted_at IS NULL
  AND CASE :how
        WHEN 'ledger_no' THEN h.ledger_no ILIKE :pattern ESCAPE '\'
        WHEN 'road' THEN upper(r.code) = upper(:road) AND h.chainage_m IS NOT NULL
        ELSE h.description ILIKE :pattern ESCAPE '\' OR h.address ILIKE :pattern ESCAPE '\'
      END
ORDER BY
    CASE WHEN :how = 'ledger_no' AND upper(h.ledger_no) = upper(:q) THEN 0 ELSE 1 END,
    distance_m NULLS LAST,
    h.reported_at DESC, h.id DESC
LIMIT :limit
