"""The job queue: procrastinate over the service's own PostgreSQL.

Jobs are rows of ``procrastinate_jobs`` (schema from an Alembic migration). A web process only
inserts them, in its request's transaction (``app.jobs.repository.defer``): the job exists exactly
when the request's other rows do. ``hazardmap worker`` processes take them (``FOR UPDATE SKIP
LOCKED``, woken by LISTEN/NOTIFY), any number side by side, and write a heartbeat; the jobs of a
worker that stops beating are retried or failed by the stalled-job check (``app.jobs.stalled``).

Tasks are defined where their work lives, with ``@queue.task(name=…, queue=…)``, and their modules
listed in ``TASK_MODULES`` so that every worker knows them.
"""

from __future__ import annotations

from typing import Any

import procrastinate
from sqlalchemy.engine import make_url

from app.settings import get_settings

# Every module that defines tasks: a worker imports them all before it takes a job.
TASK_MODULES = (
    "app.jobs.stalled",
    "app.imports.jobs",
    "app.hazards.jobs",
    "app.notifications.jobs",
    "app.notifications.webhooks.jobs",
    "app.workjobs.jobs",
    "app.posters.jobs",
    "app.reports.jobs",
    "app.crashes.jobs",
    "app.notifications.email_jobs",
)

# The queues, one per kind of work, so that a worker can be given some of them only.
IMPORTS = "imports"
MAINTENANCE = "maintenance"
NOTIFICATIONS = "notifications"
WEBHOOKS = "webhooks"
DOCUMENTS = "documents"  # posters and reports
DETECTION = "detection"  # accident-prone identification runs
QUEUES = (IMPORTS, MAINTENANCE, NOTIFICATIONS, WEBHOOKS, DOCUMENTS, DETECTION)


def conninfo(url: str | None = None) -> str:
    """The libpq form of the service's database URL (which names asyncpg as its driver)."""
    parsed = make_url(url or get_settings().effective_database_url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def connector(url: str | None = None, max_size: int = 4) -> procrastinate.PsycopgConnector:
    """A psycopg pool for a worker: its jobs' bookkeeping, the LISTEN connection, the heartbeat."""
    kwargs: dict[str, Any] = {
        "conninfo": conninfo(url),
        "min_size": 1,
        "max_size": max_size,
        "kwargs": {"application_name": "hazardmap-worker"},
    }
    return procrastinate.PsycopgConnector(**kwargs)


# The application object tasks are registered on. Its connector is replaced by a worker's own
# (``app.jobs.worker``); web processes never open it.
queue = procrastinate.App(connector=procrastinate.PsycopgConnector(), import_paths=list(TASK_MODULES))
