"""Jobs whose worker died: found by the workers' heartbeats, retried or failed by the queue.

A worker writes a heartbeat every ``HAZARDMAP_JOBS_HEARTBEAT_S``. Every
``HAZARDMAP_JOBS_STALLED_CHECK_S`` one worker (the periodic job is queued once per period, however
many workers there are) looks for jobs still ``doing`` on a worker silent for
``HAZARDMAP_JOBS_STALLED_S``: such a job is queued again, at most ``HAZARDMAP_JOBS_STALLED_RETRIES``
times, then failed. A task says what its own records need when the queue gives up on it
(``@on_given_up(task)``), e.g. an import marks its job failed. Web processes take no part in this.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from procrastinate import exceptions, jobs
from procrastinate.manager import JobManager
from procrastinate.tasks import Task

from app.jobs.queue import MAINTENANCE, queue
from app.jobs.settings import get_job_settings

log = logging.getLogger(__name__)

GivenUp = Callable[[jobs.Job], Awaitable[None]]
_given_up: dict[str, GivenUp] = {}


def on_given_up(task: Task[Any, Any, Any]) -> Callable[[GivenUp], GivenUp]:
    """Register what to do when the queue fails a job of ``task`` because its workers kept dying."""

    def register(handler: GivenUp) -> GivenUp:
        _given_up[task.name] = handler
        return handler

    return register


async def recover(manager: JobManager) -> dict[str, list[int]]:
    """Retry or fail the stalled jobs; the ids of each."""
    s = get_job_settings()
    done: dict[str, list[int]] = {"retried": [], "failed": []}
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=s.stalled_s):
        assert job.id is not None
        try:
            if job.attempts < s.stalled_retries:
                await manager.retry_job(job)
                done["retried"].append(job.id)
                log.warning("job %s (%s): its worker stopped; queued again", job.id, job.task_name)
                continue
            await manager.finish_job(job, status=jobs.Status.FAILED, delete_job=False)
        except exceptions.ConnectorException as exc:  # another check took it first
            log.info("job %s: left to another stalled-job check (%s)", job.id, exc)
            continue
        done["failed"].append(job.id)
        log.error(
            "job %s (%s): its worker stopped %d time(s); failed", job.id, job.task_name, job.attempts + 1
        )
        handler = _given_up.get(job.task_name)
        if handler is not None:
            await handler(job)
    return done


@queue.periodic(cron=f"* * * * * */{get_job_settings().stalled_check_s}", periodic_id="stalled")
@queue.task(name="jobs.recover_stalled", queue=MAINTENANCE, queueing_lock="jobs.recover_stalled")
async def recover_stalled(timestamp: int) -> None:
    await recover(queue.job_manager)


@queue.periodic(cron="17 * * * *", periodic_id="prune")
@queue.task(name="jobs.prune_finished", queue=MAINTENANCE, queueing_lock="jobs.prune_finished")
async def prune_finished(timestamp: int) -> None:
    """Finished jobs leave the queue's table after a while; their own records stay."""
    await queue.job_manager.delete_old_jobs(
        nb_hours=get_job_settings().keep_finished_hours,
        include_failed=True,
        include_cancelled=True,
        include_aborted=True,
    )
