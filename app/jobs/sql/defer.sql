-- Queue one job in the caller's transaction, through procrastinate's own function (as its defer does);
-- the insert's trigger NOTIFYs the workers when the transaction commits.
SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[
    ROW(
        CAST(:queue AS varchar),
        CAST(:task AS varchar),
        CAST(:priority AS integer),
        CAST(:lock AS text),
        CAST(:queueing_lock AS text),
        CAST(:args AS jsonb),
        CAST(:scheduled_at AS timestamptz)
    )::procrastinate_job_to_defer_v1
])) AS id
