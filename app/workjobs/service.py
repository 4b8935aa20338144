"""Posters, reports and detection runs as jobs: asked for in a request, done by a queue worker.

A request records the job (``work_jobs``) and queues its task in the request's own transaction
(``app.jobs.repository.defer``), then answers 202 with the job's address. The task (``app/posters/jobs.py``,
``app/reports/jobs.py``, ``app/crashes/jobs.py``) runs through ``app.workjobs.runner`` and keeps the file
or the summary in the row, where every web process can serve it until it expires. Only the person
(or API key) who asked, and administrators, see a job; they must still hold the permission its kind
needs.
"""

from __future__ import annotations

from typing import Any

from procrastinate.tasks import Task
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.permissions import Permission, Principal, Role
from app.errors import Conflict, Forbidden, NotFound, TooManyRequests
from app.jobs import repository as queue_repo
from app.openapi import problems
from app.workjobs import repository as repo
from app.workjobs.models import WorkJob

# What a person needs to ask for, and to fetch, each kind of job.
KIND_PERMISSION = {
    "poster": Permission.read,
    "report": Permission.read_internal,
    "detection": Permission.detection_run,
}

# Jobs one person (or API key) may have queued or running at once: a script cannot fill the queue.
MAX_UNFINISHED = 3
RETRY_AFTER_S = 10
# The answer's document for that refusal (responses=…).
TOO_MANY_RESPONSE: dict[int | str, dict[str, Any]] = {
    429: {
        **problems(429)[429],
        "description": f"{MAX_UNFINISHED} of your jobs are queued or running: ask again when one has ended.",
    }
}


def owner_of(principal: Principal) -> str:
    return f"{principal.kind}:{principal.id}"


async def submit(
    session: AsyncSession,
    principal: Principal,
    task: Task[Any, Any, Any],
    *,
    kind: str,
    params: dict[str, Any],
    jurisdiction: str | None,
) -> WorkJob:
    """Record the job and queue ``task(job_id=…)``, both in the request's transaction."""
    principal.require(KIND_PERMISSION[kind])
    owner = owner_of(principal)
    if await repo.unfinished_of(session, owner) >= MAX_UNFINISHED:
        raise TooManyRequests(
            detail=f"{MAX_UNFINISHED} of your jobs are queued or running: ask again when one has ended",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    job = await repo.create(
        session,
        kind=kind,
        params=params,
        jurisdiction=jurisdiction,
        owner=owner,
        created_by=principal.actor,
        status="queued",
        stage="queued",
    )
    await queue_repo.defer(session, task, job_id=job.id)
    return job


async def readable(
    session: AsyncSession, principal: Principal, job_id: int, *, with_result: bool = False
) -> WorkJob:
    """The job, if ``principal`` may see it: its owner or an administrator, holding its kind's permission."""
    job = await repo.get(session, job_id, with_result=with_result)
    if job is None:
        raise NotFound(detail=f"no job {job_id} (a finished job's result is kept for a limited time)")
    if principal.role is not Role.admin and job.owner != owner_of(principal):
        raise Forbidden(detail=f"job {job_id}: only who asked for it and administrators may see it")
    principal.require(KIND_PERMISSION[job.kind])
    return job


async def result(session: AsyncSession, principal: Principal, job_id: int) -> WorkJob:
    """A finished job with its file; 409 while it runs or when it failed or made no file."""
    job = await readable(session, principal, job_id, with_result=True)
    if job.status != "succeeded":
        raise Conflict(
            detail=f"job {job_id} is {job.status}: no file yet" + (f" ({job.error})" if job.error else "")
        )
    if job.result is None:
        raise Conflict(detail=f"job {job_id} made no file: its summary is in the job")
    return job
