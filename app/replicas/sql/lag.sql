-- How far this standby's data is behind its primary, in seconds: 0 when it has replayed all the WAL it
-- received and a WAL receiver is running, else the age of the last transaction it replayed (primary's clock);
-- NULL when no WAL receiver runs (it streams from nobody: how far behind it is cannot be known).
-- On a primary (a replica URL that names one) 0.
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN NULL
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8, 0)
END AS lag_s
