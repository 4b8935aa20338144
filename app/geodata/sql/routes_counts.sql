SELECT (SELECT count(*) FROM import_replaced WHERE n = 1) AS replaced,
       (SELECT count(*) FROM import_moves) AS merged_pieces,
       (SELECT count(*) FROM import_routes WHERE reason IS NULL) AS routes
