"""What every poster, report and detection task does around its work: the job's row from queued to
running to its end, its progress, and its result kept in the row.

A task is safe to run again: the result is recorded in the transaction in which the work ran (a
detection run's candidates and the job's summary commit together), so a worker that dies mid-job
leaves the row ``running`` and nothing written; the queue runs the task again (it starts over) or,
past its retries, fails it (``given_up``). A job whose row already ended is not run again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from procrastinate import jobs as queue_jobs
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_engine
from app.errors import HazardmapError
from app.jobs.settings import get_job_settings
from app.workjobs import repository as repo

log = logging.getLogger(__name__)

Progress = Callable[[str, float], Awaitable[None]]


@dataclass(frozen=True)
class Outcome:
    """A file (``result`` with its media type and name) or a summary, or both."""

    result: bytes | None = None
    media_type: str | None = None
    file_name: str | None = None
    summary: dict[str, Any] | None = None


Work = Callable[[AsyncSession, dict[str, Any], str | None, Progress], Awaitable[Outcome]]


def _expiry(now: datetime) -> datetime:
    return now + timedelta(hours=get_job_settings().results_keep_hours)


async def run(job_id: int, work: Work) -> None:
    """Run ``work(session, params, jurisdiction, progress)`` for the job and record how it ended."""
    engine = get_engine()
    async with AsyncSession(engine) as session:
        job = await repo.get(session, job_id)
    if job is None or job.status not in repo.UNFINISHED:
        return  # its end was committed before its worker stopped, or it expired: nothing to do
    params, jurisdiction = dict(job.params), job.jurisdiction
    # Also the start of a job run again after its worker stopped: it starts over.
    await repo.set_fields(
        engine, job_id, status="running", started_at=datetime.now(UTC), stage="started", progress=0.0
    )

    async def progress(stage: str, fraction: float) -> None:
        log.info("job %s (%s): %s", job_id, job.kind, stage)
        await repo.set_progress(engine, job_id, round(max(0.0, min(0.99, fraction)), 3), stage)

    try:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            outcome = await work(session, params, jurisdiction, progress)
            now = datetime.now(UTC)
            await repo.finish_in(
                session,
                job_id,
                status="succeeded",
                stage="done",
                progress=1.0,
                result=outcome.result,
                media_type=outcome.media_type,
                file_name=outcome.file_name,
                summary=outcome.summary,
                finished_at=now,
                expires_at=_expiry(now),
            )
    except HazardmapError as exc:  # what was asked cannot be made (e.g. a filter names nothing)
        await _fail(job_id, exc.detail)
    except BaseException as exc:
        if isinstance(exc, Exception):  # the job must end in a state the client sees
            log.exception("job %s failed", job_id)
            await _fail(job_id, "the job failed on the server; the administrators find the cause in its log")
            return
        # Cancelled: the worker was stopped before the job ended (HAZARDMAP_JOBS_SHUTDOWN_S).
        await _fail(job_id, "the worker was stopped while this job ran: ask again")
        raise


async def _fail(job_id: int, error: str) -> None:
    await repo.fail_unfinished(get_engine(), job_id, error, _expiry(datetime.now(UTC)))


async def given_up(job: queue_jobs.Job) -> None:
    """The queue gave up on a job whose workers kept dying (``app.jobs.stalled.on_given_up``)."""
    await _fail(
        int(str(job.task_kwargs["job_id"])),
        f"the worker doing this job stopped {job.attempts + 1} time(s) before it ended: ask again",
    )
