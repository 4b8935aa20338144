"""Background work on a PostgreSQL job queue (procrastinate): web processes queue jobs in their
request's transaction, ``hazardmap worker`` processes run them; stalled jobs, schedules, retries."""
