"""Pruning the notifications' logs: the finished deliveries (e-mail, webhooks, digests) and the read
notifications older than ``HAZARDMAP_NOTIFICATIONS_KEEP_DAYS``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.hazards.models import Hazard
from app.notifications.mail_models import NotificationDelivery, NotificationDigest
from app.notifications.models import Notification
from app.notifications.webhooks.models import WebhookDelivery

# The states no job will touch again; pending, sending (e-mail) and retrying (webhooks) stay.
MAIL_DONE = ("sent", "failed", "skipped")
WEBHOOK_DONE = ("delivered", "failed")


async def prune(conn: AsyncConnection, *, before: datetime, open_statuses: list[str]) -> dict[str, int]:
    """Delete what was written before ``before`` and is finished; how many rows of each kind.

    A read notification goes unless an e-mail of it is still on its way, or it carries a once-key
    (told once per hazard and due day, or per candidate stretch) whose subject may be told again: a
    deadline's key stays while its hazard is open, a candidate's always (deleting it would tell the
    stretch again the next time a detection run finds it)."""
    webhooks = await conn.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.created_at < before, WebhookDelivery.state.in_(WEBHOOK_DONE)
        )
    )
    mails = await conn.execute(
        delete(NotificationDelivery).where(
            NotificationDelivery.created_at < before, NotificationDelivery.state.in_(MAIL_DONE)
        )
    )
    digests = await conn.execute(
        delete(NotificationDigest).where(
            NotificationDigest.created_at < before, NotificationDigest.state.in_(MAIL_DONE)
        )
    )
    mail_on_its_way = exists(
        select(NotificationDelivery.id).where(
            NotificationDelivery.notification_id == Notification.id,
            NotificationDelivery.state.notin_(MAIL_DONE),
        )
    )
    hazard_open = exists(
        select(Hazard.id).where(
            Hazard.id == Notification.hazard_id,
            Hazard.deleted_at.is_(None),
            Hazard.status.in_(open_statuses),
        )
    )
    key_spent = Notification.once_key.is_(None) | (Notification.hazard_id.is_not(None) & ~hazard_open)
    notifications = await conn.execute(
        delete(Notification).where(
            Notification.created_at < before,
            Notification.read_at.is_not(None),
            ~mail_on_its_way,
            key_spent,
        )
    )
    return {
        "webhook_deliveries": int(webhooks.rowcount),
        "notification_deliveries": int(mails.rowcount),
        "notification_digests": int(digests.rowcount),
        "notifications": int(notifications.rowcount),
    }
