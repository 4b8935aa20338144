"""Deliveries as jobs of the queue: queued with the event (in its transaction), sent by a worker.

Each attempt is counted in its delivery's row before the request goes out and its outcome recorded
after; a 5xx, a timeout or a busy robot is retried with ``backoff`` (3 s, 9 s, 27 s …) until
``HAZARDMAP_WEBHOOKS_ATTEMPTS`` attempts, then the delivery is ``failed`` (given up) with its last
error. A 4xx or a robot's refusal is not retried. A worker killed between the request and its record
leaves the job to the stalled-job check, which runs it again: the receiver may then see a delivery
twice, with the same ``id`` (at least once, never silently lost).
"""

from __future__ import annotations

import logging

from procrastinate import jobs as queue_jobs

from app.db import get_engine
from app.jobs.queue import WEBHOOKS, queue
from app.jobs.schedule import backoff
from app.jobs.stalled import on_given_up
from app.notifications.webhooks import delivery
from app.notifications.webhooks import repository as repo
from app.notifications.webhooks.sending import send
from app.notifications.webhooks.settings import get_webhook_settings

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """The attempt failed in a way worth another: the queue runs the job again after its back-off."""


@queue.task(name="webhooks.deliver", queue=WEBHOOKS, retry=backoff(attempts=get_webhook_settings().attempts))
async def deliver(delivery_id: int) -> None:
    s = get_webhook_settings()
    engine = get_engine()
    async with engine.begin() as conn:
        row = await repo.delivery(conn, delivery_id)
        attempts = await repo.begin_attempt(conn, delivery_id) if row is not None else None
    if row is None or attempts is None:
        return  # gone with its subscription, or ended already
    if not row["enabled"]:
        async with engine.begin() as conn:
            await repo.finish_attempt(
                conn, delivery_id, state="failed", status=None, error="subscription disabled"
            )
        return
    outcome = await send(row["format"], delivery.request(row), timeout_s=s.timeout_s)
    state = delivery.state_after(outcome, attempts=attempts, max_attempts=s.attempts)
    async with engine.begin() as conn:
        await repo.finish_attempt(conn, delivery_id, state=state, status=outcome.status, error=outcome.error)
    if state == "retrying":
        raise RetryLater(f"delivery {delivery_id}, attempt {attempts}: {outcome.error}")
    if state == "failed":
        log.warning(
            "webhook delivery %s given up after %d attempt(s): %s", delivery_id, attempts, outcome.error
        )


@on_given_up(deliver)
async def _worker_kept_dying(job: queue_jobs.Job) -> None:
    async with get_engine().begin() as conn:
        delivery_id = int(str(job.task_kwargs["delivery_id"]))
        await repo.finish_attempt(conn, delivery_id, state="failed", status=None, error="its worker stopped")
