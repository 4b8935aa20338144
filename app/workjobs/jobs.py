"""The periodic job that deletes the expired results of posters, reports and detection runs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from app.db import get_engine
from app.jobs.queue import MAINTENANCE, queue
from app.jobs.schedule import every
from app.workjobs import repository as repo

log = logging.getLogger(__name__)


@every(minutes=10, periodic_id="work_jobs_prune")
@queue.task(name="workjobs.prune", queue=MAINTENANCE, queueing_lock="workjobs.prune")
async def prune_results(timestamp: int) -> None:
    gone = await repo.prune(get_engine(), datetime.now(UTC))
    if gone:
        log.info("deleted %d expired job result(s)", gone)
