"""E-mail deliveries and the daily digest as jobs of the queue.

A notification that its recipient wants by e-mail gets a ``notification_deliveries`` row and a
``notifications.email`` job in the transaction that wrote it (the outbox): no commit, no e-mail. The
job takes the row (``sending``, committed), asks the SMTP server, and records ``sent``; a refusal or
an unreachable server puts it back to ``pending`` and raises, so that the queue retries it with
``backoff`` (3 s, 9 s, 27 s …) up to ``EMAIL_ATTEMPTS`` times, then ``failed`` with the last error.

Never twice where it can be avoided: a job run again after the row says ``sent`` (or ``failed``,
``skipped``) does nothing. What remains: a worker killed after the server accepted a message and
before ``sent`` was committed leaves ``sending``; the queue runs the job again and the message goes
out a second time, with the same Message-ID (mail programs show one). The other choice, never
resending a ``sending`` row, would lose every message whose worker died before the server had it.

The digest: every day at ``HAZARDMAP_DIGEST_AT`` (Beijing time) one job adds a
``notification_digests`` row per user (key: user and day) and queues that user's digest job in the
same transaction; a second run of the day's job (another worker, a retry) adds no row and queues
nothing, so a user gets at most one digest a day. It lists the notifications of the past day not yet
read (for the events the user wants in the digest) and the open items of their jurisdiction overdue
or due soon; a day with nothing to say sends nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from procrastinate import jobs as queue_jobs
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app import clock, overdue
from app.accounts.permissions import CITY_WIDE
from app.db import get_engine
from app.jobs import repository as jobs
from app.jobs.queue import NOTIFICATIONS, queue
from app.jobs.schedule import backoff, daily_at
from app.jobs.stalled import on_given_up
from app.notifications import mail
from app.notifications import mail_repository as repo
from app.notifications.events import Event
from app.notifications.mail_settings import get_mail_settings
from app.notifications.preferences import email_default_events
from app.settings import get_settings

log = logging.getLogger(__name__)

# Tries of one e-mail (the first and the retries) before it is failed.
EMAIL_ATTEMPTS = 6
# The digest lists at most this many unread notifications and this many open items.
DIGEST_UNREAD_LIMIT = 50
DIGEST_OPEN_LIMIT = 30
# Open items due within this many days are in the digest (the 我的待办 page's "due soon" too).
DIGEST_DUE_DAYS = 7


def _city_wide() -> list[str]:
    return sorted(r.value for r in CITY_WIDE)


async def queue_deliveries(session: AsyncSession | AsyncConnection, delivery_ids: list[int]) -> None:
    """Queue the job of each delivery, in the caller's transaction (the one that wrote them)."""
    for delivery_id in delivery_ids:
        await jobs.defer(session, send_email, delivery_id=delivery_id)


async def after_told(session: AsyncSession | AsyncConnection, notification_ids: list[int]) -> None:
    """The channels of notifications written by a statement other than the fan-out (deadlines,
    candidates): the app's channel off, the e-mail outbox and its jobs, in the caller's transaction."""
    mailed = await repo.outbox(
        session,
        notification_ids,
        email_on=get_mail_settings().enabled,
        email_default=email_default_events(),
    )
    await queue_deliveries(session, mailed)


@queue.task(name="notifications.email", queue=NOTIFICATIONS, retry=backoff(attempts=EMAIL_ATTEMPTS - 1))
async def send_email(delivery_id: int) -> None:
    await deliver(get_engine(), delivery_id)


async def deliver(engine: AsyncEngine, delivery_id: int) -> str:
    """One attempt at a delivery; the state it ends in. Raises (for the queue's retry) while the
    server refuses and attempts are left."""
    settings = get_mail_settings()
    async with engine.begin() as conn:
        claim = await repo.claim_delivery(conn, delivery_id)
    if claim is None:  # sent, failed or skipped already: a job run twice sends once
        return "done"
    if claim.was == "sending":
        log.warning("e-mail delivery %s: an earlier attempt stopped midway; sending again", delivery_id)
    async with engine.connect() as conn:
        message = await repo.delivery_message(
            conn, delivery_id, email_default=email_default_events(), city_wide=_city_wide()
        )
    if message is None:
        return "done"
    if not settings.enabled or not message.wanted or not message.email:
        # Since the event: e-mail turned off, the address removed, the county taken away, the user
        # disabled, the hazard deleted.
        async with engine.begin() as conn:
            await repo.finish_delivery(conn, delivery_id, "skipped")
        return "skipped"
    base_url = get_settings().base_url
    outgoing = mail.notification_email(
        message.email, message.item, base_url, mail.message_id(settings, "n", str(delivery_id))
    )
    return await _send(
        engine,
        outgoing,
        claim.attempts,
        lambda conn, state, error: repo.finish_delivery(conn, delivery_id, state, error),
        f"e-mail delivery {delivery_id}",
    )


async def _send(engine: AsyncEngine, outgoing: mail.Outgoing, attempts: int, finish: Any, what: str) -> str:
    settings = get_mail_settings()
    try:
        await mail.send(settings, outgoing)
    except mail.SendFailed as exc:
        final = attempts >= EMAIL_ATTEMPTS
        async with engine.begin() as conn:
            await finish(conn, "failed" if final else "pending", str(exc))
        if final:
            log.error("%s: failed after %d attempts: %s", what, attempts, exc)
            return "failed"
        log.warning("%s: attempt %d failed (%s); retried later", what, attempts, exc)
        raise
    async with engine.begin() as conn:
        await finish(conn, "sent", None)
    return "sent"


@on_given_up(send_email)
async def _email_worker_kept_dying(job: queue_jobs.Job) -> None:
    async with get_engine().begin() as conn:
        await repo.finish_delivery(
            conn, int(str(job.task_kwargs["delivery_id"])), "failed", "the worker stopped while sending"
        )


# -- the daily digest ------------------------------------------------------------------------------
_DIGEST_HOUR, _DIGEST_MINUTE = get_mail_settings().digest_time


@daily_at(_DIGEST_HOUR, _DIGEST_MINUTE, periodic_id="digest")
@queue.task(name="notifications.digest", queue=NOTIFICATIONS, queueing_lock="notifications.digest")
async def digest(timestamp: int) -> None:
    await queue_digests(get_engine(), clock.day_of(datetime.fromtimestamp(timestamp, UTC)))


async def queue_digests(engine: AsyncEngine, day: date) -> list[int]:
    """Add the day's digests and queue their jobs, in one transaction; the users added (none for a
    day whose digests were queued already)."""
    if not get_mail_settings().enabled:
        return []
    async with engine.begin() as conn:
        users = await repo.queue_digests(conn, day, [e.value for e in Event])
        for user_id in users:
            await jobs.defer(conn, send_digest, user_id=user_id, day=day.isoformat())
    return users


@queue.task(
    name="notifications.digest_email", queue=NOTIFICATIONS, retry=backoff(attempts=EMAIL_ATTEMPTS - 1)
)
async def send_digest(user_id: int, day: str) -> None:
    await deliver_digest(get_engine(), user_id, date.fromisoformat(day))


def digest_window_start(day: date) -> datetime:
    """The digest of ``day`` lists what came since the previous day's digest time."""
    hour, minute = get_mail_settings().digest_time
    return datetime.combine(day, time(hour, minute), clock.BEIJING) - timedelta(days=1)


async def deliver_digest(engine: AsyncEngine, user_id: int, day: date) -> str:
    settings = get_mail_settings()
    async with engine.begin() as conn:
        claim = await repo.claim_digest(conn, user_id, day)
    if claim is None:
        return "done"
    async with engine.connect() as conn:
        who = await repo.digest_recipient(conn, user_id, _city_wide())
        if who is None:
            return "done"
        unread = await repo.digest_unread(
            conn, user_id, who, digest_window_start(day), datetime.now(UTC), DIGEST_UNREAD_LIMIT
        )
        open_items, open_total = await repo.digest_open(
            conn, who, days=DIGEST_DUE_DAYS, claim_days=overdue.claim_days(), limit=DIGEST_OPEN_LIMIT
        )

    async def finish(conn: Any, state: str, error: str | None) -> None:
        await repo.finish_digest(conn, user_id, day, state, items=len(unread) + open_total, error=error)

    if not settings.enabled or not who.active or not who.email or not (unread or open_items):
        async with engine.begin() as conn:
            await finish(conn, "skipped", None)
        return "skipped"
    outgoing = mail.digest_email(
        who.email,
        day,
        unread,
        open_items,
        open_total,
        get_settings().base_url,
        mail.message_id(settings, "d", f"{user_id}.{day:%Y%m%d}"),
    )
    return await _send(engine, outgoing, claim.attempts, finish, f"digest of user {user_id} for {day}")


@on_given_up(send_digest)
async def _digest_worker_kept_dying(job: queue_jobs.Job) -> None:
    args = job.task_kwargs
    async with get_engine().begin() as conn:
        await repo.finish_digest(
            conn,
            int(str(args["user_id"])),
            date.fromisoformat(str(args["day"])),
            "failed",
            error="the worker stopped while sending",
        )
