-- A new set of mileposts for a code replaces the current one; the old rows stay, marked replaced.
UPDATE road_calibration_points SET replaced_at = now()
 WHERE road_code = :code AND replaced_at IS NULL
