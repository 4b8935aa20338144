"""Periodic upkeep of the hazards' own tables, run by the job workers.

``hazard_counts`` (the live rows by county, kind and status that a list's number matched is summed
from) grows by a row or a few per write statement; every ten minutes one worker folds its deltas
into one row per group, so that summing stays a read of a few thousand rows.
"""

from __future__ import annotations

import logging

from app.db import session_scope
from app.hazards import repository
from app.jobs.queue import MAINTENANCE, queue
from app.jobs.schedule import every

log = logging.getLogger(__name__)


@every(minutes=10, periodic_id="hazard_counts")
@queue.task(name="hazards.compact_counts", queue=MAINTENANCE, queueing_lock="hazards.compact_counts")
async def compact_counts(timestamp: int) -> None:
    async with session_scope() as session:
        folded = await repository.compact_counts(session)
    log.info("hazard_counts: %d delta rows folded", folded)
