-- A row's direction from its heading, or the reason it could not be had.
UPDATE import_rows SET direction = :direction, field = :field, reason = :reason WHERE row_no = :row_no
