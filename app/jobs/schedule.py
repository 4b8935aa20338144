"""Scheduled (periodic) jobs and retry policies, for tasks defined anywhere in the service.

A periodic task is an ordinary task with a schedule; the workers queue it once per period,
however many of them run (procrastinate's periodic defers are unique per task and time), and it
receives that time as ``timestamp`` (Unix seconds)::

    from app.jobs.queue import queue
    from app.jobs.schedule import backoff, daily_at, every

    @daily_at(8, 30)                                  # every day at 08:30 Beijing time
    @queue.task(name="notifications.digest", queue="notifications")
    async def digest(timestamp: int) -> None: ...

    @every(minutes=5)
    @queue.task(name="notifications.webhooks", queue="notifications", retry=backoff(attempts=8))
    async def deliver_webhooks(timestamp: int) -> None: ...

Remember to add the module to ``app.jobs.queue.TASK_MODULES``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import procrastinate
from procrastinate.tasks import Task

from app.jobs.queue import queue

# China keeps UTC+8 all year (no summer time): Beijing wall-clock times map to one UTC time each.
BEIJING_UTC_OFFSET_H = 8

Periodic = Callable[[Task[Any, Any, Any]], Task[Any, Any, Any]]


def cron_daily_at(hour: int, minute: int = 0) -> str:
    """The cron line (UTC, as the workers read it) of a Beijing wall-clock time each day."""
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"not a time of day: {hour:02d}:{minute:02d}")
    return f"{minute} {(hour - BEIJING_UTC_OFFSET_H) % 24} * * *"


def cron_every(*, seconds: int = 0, minutes: int = 0) -> str:
    """The cron line of "every N seconds" (a divisor of 60) or "every N minutes" (a divisor of 60)."""
    if bool(seconds) == bool(minutes):
        raise ValueError("give either seconds or minutes")
    n = seconds or minutes
    if 60 % n:
        raise ValueError(f"every {n}: must divide 60 so that the period is regular")
    return f"* * * * * */{n}" if seconds else f"*/{n} * * * *"


def daily_at(hour: int, minute: int = 0, *, periodic_id: str = "") -> Periodic:
    """Run the task once a day at ``hour:minute`` Beijing time."""
    return queue.periodic(cron=cron_daily_at(hour, minute), periodic_id=periodic_id)


def every(*, seconds: int = 0, minutes: int = 0, periodic_id: str = "") -> Periodic:
    """Run the task every ``seconds`` or ``minutes``."""
    return queue.periodic(cron=cron_every(seconds=seconds, minutes=minutes), periodic_id=periodic_id)


def backoff(attempts: int, *, base_s: int = 3) -> procrastinate.RetryStrategy:
    """Retry a task that raised up to ``attempts`` times, waiting ``base_s``, its square, its cube …
    seconds in between (3 s, 9 s, 27 s, 81 s, 4 min, 12 min …: a webhook whose receiver is down)."""
    return procrastinate.RetryStrategy(max_attempts=attempts, exponential_wait=base_s)
