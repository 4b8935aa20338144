-- The pieces of the routes :codes, with the current mileposts of their code, each post on the
-- piece of its route nearest to it (in metres); a piece without posts has an empty array.
WITH piece AS (
    SELECT r.id, r.code, r.start_chainage_m, r.calibrated, ST_AsBinary(r.geom) AS wkb, r.geom
      FROM roads r
     WHERE r.code = ANY(:codes)
), post AS (
    SELECT DISTINCT ON (p.id) p.id, p.seq, p.chainage_m, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat,
           piece.id AS road_id
      FROM road_calibration_points p
      JOIN piece ON piece.code = p.road_code
     WHERE p.replaced_at IS NULL
     ORDER BY p.id, ST_Distance(piece.geom::geography, p.geom::geography), piece.id
)
SELECT piece.id, piece.code, piece.start_chainage_m, piece.calibrated, piece.wkb,
       coalesce(json_agg(json_build_object('seq', post.seq, 'chainage_m', post.chainage_m,
                                           'lon', post.lon, 'lat', post.lat)
                         ORDER BY post.seq) FILTER (WHERE post.id IS NOT NULL), '[]'::json) AS posts
  FROM piece
  LEFT JOIN post ON post.road_id = piece.id
 GROUP BY piece.id, piece.code, piece.start_chainage_m, piece.calibrated, piece.wkb
 ORDER BY piece.code, piece.start_chainage_m, piece.id
