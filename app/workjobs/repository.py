"""The rows of ``work_jobs``: created in the request's session, updated by the worker's task."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import undefer

from app.workjobs.models import WorkJob

UNFINISHED = ("queued", "running")


async def create(session: AsyncSession, **values: Any) -> WorkJob:
    job = WorkJob(**values)
    session.add(job)
    await session.flush()
    await session.refresh(job)
    return job


async def unfinished_of(session: AsyncSession, owner: str) -> int:
    """How many of ``owner``'s jobs are queued or running; the owner's lock is held until the
    transaction ends, so that two requests at once count each other."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:owner, 15))"), {"owner": owner}
    )
    query = (
        select(func.count())
        .select_from(WorkJob)
        .where(WorkJob.owner == owner, WorkJob.status.in_(UNFINISHED))
    )
    return int((await session.execute(query)).scalar_one())


async def get(session: AsyncSession, job_id: int, *, with_result: bool = False) -> WorkJob | None:
    query = select(WorkJob).where(WorkJob.id == job_id)
    if with_result:
        query = query.options(undefer(WorkJob.result))
    return (await session.execute(query)).scalar_one_or_none()


async def set_fields(engine: AsyncEngine, job_id: int, **values: Any) -> None:
    """Update the job in a short transaction of its own, beside the task's."""
    async with engine.begin() as conn:
        values.setdefault("updated_at", datetime.now(UTC))
        await conn.execute(update(WorkJob).where(WorkJob.id == job_id).values(**values))


async def set_progress(engine: AsyncEngine, job_id: int, progress: float, stage: str) -> None:
    """The progress of a running job; never over a finished one."""
    async with engine.begin() as conn:
        await conn.execute(
            update(WorkJob)
            .where(WorkJob.id == job_id, WorkJob.status == "running")
            .values(progress=progress, stage=stage, updated_at=datetime.now(UTC))
        )


async def finish_in(session: AsyncSession, job_id: int, **values: Any) -> None:
    """Record the job's end in ``session``'s transaction (the one that wrote what the job wrote)."""
    values.setdefault("updated_at", datetime.now(UTC))
    await session.execute(update(WorkJob).where(WorkJob.id == job_id).values(**values))


async def fail_unfinished(engine: AsyncEngine, job_id: int, error: str, expires_at: datetime) -> bool:
    """Fail a job that has not ended (its end commits with its result)."""
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        result = await conn.execute(
            update(WorkJob)
            .where(WorkJob.id == job_id, WorkJob.status.in_(UNFINISHED))
            .values(
                status="failed",
                error=error,
                progress=1.0,
                finished_at=now,
                expires_at=expires_at,
                updated_at=now,
            )
        )
        return bool(result.rowcount)


async def prune(engine: AsyncEngine, now: datetime) -> int:
    """Delete the jobs whose results have expired; how many."""
    async with engine.begin() as conn:
        result = await conn.execute(delete(WorkJob).where(WorkJob.expires_at < now))
        return int(result.rowcount)
