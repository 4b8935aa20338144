-- The placed rows whose 桩号 text gave a compass heading (北向南), to be turned into a direction.
SELECT row_no, road_code, chainage_m, end_chainage_m, heading
  FROM import_rows
 WHERE reason IS NULL AND heading IS NOT NULL AND road_id IS NOT NULL
 ORDER BY row_no
