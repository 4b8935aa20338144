"""``hazardmap worker``: a process that runs the queue's jobs until it is stopped.

Any number of them may run, on any machine that reaches the database (and the shared upload
folder). Ctrl-C or SIGTERM stops taking jobs and waits for the running ones (at most
``HAZARDMAP_JOBS_SHUTDOWN_S``, then aborts them). A worker killed outright (SIGKILL, power loss)
leaves its jobs to the stalled-job check.
"""

from __future__ import annotations

import logging
import os
import socket

from procrastinate.app import WorkerOptions

from app.db import dispose_engine
from app.jobs.queue import connector, queue
from app.jobs.settings import get_job_settings

log = logging.getLogger(__name__)


async def run(*, concurrency: int | None = None, queues: list[str] | None = None, wait: bool = True) -> None:
    """Work until stopped (``wait=False``: until the queues are empty)."""
    s = get_job_settings()
    n = concurrency or s.concurrency
    name = f"{socket.gethostname()}-{os.getpid()}"
    # One connection listens, one beats, one takes jobs; one more per job for its bookkeeping.
    options: WorkerOptions = {
        "concurrency": n,
        "name": name,
        "wait": wait,
        "update_heartbeat_interval": s.heartbeat_s,
        "stalled_worker_timeout": s.stalled_s,
        "delete_jobs": "never",
    }
    if s.shutdown_s:  # without, the running jobs are waited for however long they take
        options["shutdown_graceful_timeout"] = s.shutdown_s
    with queue.replace_connector(connector(max_size=n + 3)):
        async with queue.open_async():
            log.info("worker %s: %d job(s) at once, queues %s", name, n, ", ".join(queues or ["all"]))
            if queues:  # without, every queue
                options["queues"] = queues
            try:
                await queue.run_worker_async(**options)
            finally:
                await dispose_engine()
