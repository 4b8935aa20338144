-- The chainage ranges a route's pieces cover, contiguous pieces run together (for messages).
WITH piece AS (
    SELECT start_chainage_m AS s, start_chainage_m + length_m AS e FROM roads WHERE code = :code
), flagged AS (
    SELECT s, e,
           CASE WHEN s <= max(e) OVER (ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                     + :tolerance
                THEN 0 ELSE 1 END AS starts_run
      FROM piece
), runs AS (
    SELECT s, e, sum(starts_run) OVER (ORDER BY s, e) AS run FROM flagged
)
SELECT min(s) AS start_m, max(e) AS end_m FROM runs GROUP BY run ORDER BY 1
