"""The events no request causes, told by a periodic job: a deadline near (``due_soon``) and passed
(``overdue``).

Every half hour one worker (the periodic job is queued once per period, however many run) tells
each recipient of what they were not told yet, in one transaction. The half hour after Beijing
midnight is when hazards become overdue; the other runs catch a deadline set or moved during the day.
A run is one ``INSERT … SELECT`` per event whose rows carry a once-key unique per user (hazard and its
due day): run again, retried, or run by two workers at once, it tells nobody twice.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_engine
from app.jobs.queue import NOTIFICATIONS, queue
from app.jobs.schedule import every
from app.notifications import service

log = logging.getLogger(__name__)


async def tell_deadlines() -> dict[str, int]:
    """One run: its own transaction, committed here (a job is its own unit of work)."""
    async with AsyncSession(get_engine()) as session, session.begin():
        told = await service.record_deadlines(session)
    if any(told.values()):
        log.info("deadlines told: %s", told)
    return told


@every(minutes=30)
@queue.task(name="notifications.deadlines", queue=NOTIFICATIONS, queueing_lock="notifications.deadlines")
async def deadlines(timestamp: int) -> None:
    """The periodic task (``timestamp``: its scheduled Unix time, unused: a run tells what is due now)."""
    await tell_deadlines()
