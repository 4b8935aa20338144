"""The queue's rows as the web processes touch them: jobs queued in the request's own transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from procrastinate.tasks import Task
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app import sqlfiles

PKG = "app.jobs"


async def defer(
    session: AsyncSession | AsyncConnection,
    task: Task[Any, Any, Any],
    *,
    lock: str | None = None,
    queueing_lock: str | None = None,
    priority: int | None = None,
    schedule_at: datetime | None = None,
    **kwargs: Any,
) -> int:
    """Queue ``task(**kwargs)`` (JSON arguments) in the session's transaction: a rolled-back request
    leaves no job, and a committed one always has it. The queue's id of the job."""
    result = await session.execute(
        text(sqlfiles.load(PKG, "defer")),
        {
            "queue": task.queue,
            "task": task.name,
            "priority": task.priority if priority is None else priority,
            "lock": lock if lock is not None else task.lock,
            "queueing_lock": queueing_lock if queueing_lock is not None else task.queueing_lock,
            "args": json.dumps(kwargs, ensure_ascii=False),
            "scheduled_at": schedule_at,
        },
    )
    return int(result.scalar_one())


async def get(session: AsyncSession | AsyncConnection, job_id: int) -> dict[str, Any] | None:
    """A job of the queue as a mapping (``status``: todo, doing, succeeded, failed, …), or None."""
    row = (await session.execute(text(sqlfiles.load(PKG, "job")), {"id": job_id})).mappings().first()
    return dict(row) if row else None
