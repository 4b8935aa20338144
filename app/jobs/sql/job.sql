-- One job of the queue: its state, how many times it was retried, the worker that holds it.
SELECT id, task_name, queue_name, status::text AS status, attempts, worker_id, args, scheduled_at
  FROM procrastinate_jobs
 WHERE id = :id
