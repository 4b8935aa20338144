"""The events no request causes, told by a periodic job: a deadline near (``due_soon``) and passed
(``overdue``).

Every half hour one worker (the periodic job is queued once per period, however many run) tells
each recipient of what they were not told yet, in one transaction. The half hour after Beijing
midnight is when hazards become overdue; the other runs catch a deadline set or moved during the day.
A run is one ``INSERT … SELECT`` per event whose rows carry a once-key unique per user (hazard and its
due day): run again, retried, or run by two workers at once, it tells nobody twice.

Nightly (03:30 Beijing time, maintenance queue) the finished deliveries and the read notifications
older than ``HAZARDMAP_NOTIFICATIONS_KEEP_DAYS`` are deleted (``prune_repository``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_engine
from app.jobs.queue import MAINTENANCE, NOTIFICATIONS, queue
from app.jobs.schedule import daily_at, every
from app.notifications import prune_repository, service
from app.settings import get_settings
from app.vocab import OPEN_STATUSES

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


async def prune_logs() -> dict[str, int]:
    """One pruning run, in its own transaction."""
    before = datetime.now(UTC) - timedelta(days=get_settings().notifications_keep_days)
    async with get_engine().begin() as conn:
        gone = await prune_repository.prune(
            conn, before=before, open_statuses=[s.value for s in OPEN_STATUSES]
        )
    if any(gone.values()):
        log.info("pruned: %s", gone)
    return gone


@daily_at(3, 30, periodic_id="notifications_prune")
@queue.task(name="notifications.prune", queue=MAINTENANCE, queueing_lock="notifications.prune")
async def prune(timestamp: int) -> None:
    """Nightly: the delivery logs and the read notifications older than
    ``HAZARDMAP_NOTIFICATIONS_KEEP_DAYS`` days."""
    await prune_logs()
