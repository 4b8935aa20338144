"""The nightly pruning of the notifications' logs: finished deliveries and read notifications older
than ``HAZARDMAP_NOTIFICATIONS_KEEP_DAYS`` go; pending ones, unread ones and a deadline's once-key of
an open hazard stay."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.notifications import jobs
from tests.support.hazards import GULOU, create, point

OLD = "now() - interval '91 days'"
NEW = "now() - interval '89 days'"


async def _notification(
    conn: AsyncConnection,
    name: str,
    *,
    age: str,
    read: bool,
    hazard_id: int | None = None,
    key: str | None = None,
) -> int:
    return int(
        (
            await conn.execute(
                text(
                    "INSERT INTO notifications"
                    " (user_id, event, hazard_id, detail, once_key, created_at, read_at)"
                    f" SELECT id, 'overdue', :hazard, :name, :key, {age},"
                    f" CASE WHEN :read THEN {age} END FROM users WHERE login = 't-officer' RETURNING id"
                ),
                {"hazard": hazard_id, "name": name, "key": key, "read": read},
            )
        ).scalar_one()
    )


async def _remaining(engine: AsyncEngine) -> dict[str, list[str]]:
    async with engine.connect() as conn:
        return {
            "notifications": list(
                (await conn.execute(text("SELECT detail FROM notifications ORDER BY detail"))).scalars()
            ),
            "mail": list(
                (
                    await conn.execute(
                        text(
                            "SELECT n.detail || ':' || d.state FROM notification_deliveries d"
                            " JOIN notifications n ON n.id = d.notification_id ORDER BY 1"
                        )
                    )
                ).scalars()
            ),
            "digests": list(
                (
                    await conn.execute(text("SELECT day::text FROM notification_digests ORDER BY day"))
                ).scalars()
            ),
            "webhooks": list(
                (await conn.execute(text("SELECT detail FROM webhook_deliveries ORDER BY detail"))).scalars()
            ),
        }


async def test_old_finished_logs_and_read_notifications_are_pruned(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    open_hazard = (await create(client, "hazards", point(GULOU)))["id"]
    closed_hazard = (await create(client, "hazards", point(GULOU)))["id"]
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM notifications"))
        await conn.execute(text("UPDATE hazards SET status = 'closed' WHERE id = :id"), {"id": closed_hazard})
        # Notifications: old and read (goes), old and unread, recent and read (stay).
        await _notification(conn, "old-read", age=OLD, read=True)
        await _notification(conn, "old-unread", age=OLD, read=False)
        await _notification(conn, "new-read", age=NEW, read=True)
        # A deadline's once-key: kept while its hazard is open (it would be told again), not after.
        await _notification(conn, "key-open", age=OLD, read=True, hazard_id=open_hazard, key="overdue:a")
        await _notification(conn, "key-closed", age=OLD, read=True, hazard_id=closed_hazard, key="overdue:b")
        # E-mail deliveries, each of its own notification (unread, so that the notification stays).
        for name, age, state in (
            ("m-old-sent", OLD, "sent"),
            ("m-old-failed", OLD, "failed"),
            ("m-old-skipped", OLD, "skipped"),
            ("m-old-pending", OLD, "pending"),
            ("m-old-sending", OLD, "sending"),
            ("m-new-sent", NEW, "sent"),
        ):
            nid = await _notification(conn, name, age=OLD, read=False)
            await conn.execute(
                text(
                    "INSERT INTO notification_deliveries (notification_id, channel, state, created_at)"
                    f" VALUES (:n, 'email', :state, {age})"
                ),
                {"n": nid, "state": state},
            )
        # A read old notification whose e-mail is still on its way stays (and its delivery with it).
        nid = await _notification(conn, "read-mail-pending", age=OLD, read=True)
        await conn.execute(
            text(
                "INSERT INTO notification_deliveries (notification_id, channel, state, created_at)"
                f" VALUES (:n, 'email', 'pending', {OLD})"
            ),
            {"n": nid},
        )
        await conn.execute(
            text(
                "INSERT INTO notification_digests (user_id, day, state, created_at)"
                " SELECT u.id, d.day, d.state, d.at FROM users u, (VALUES"
                f" (date '2026-01-01', 'sent', {OLD}), (date '2026-01-02', 'pending', {OLD}),"
                f" (date '2026-01-03', 'sent', {NEW})) d (day, state, at) WHERE u.login = 't-officer'"
            )
        )
        sub = (
            await conn.execute(
                text(
                    "INSERT INTO webhook_subscriptions (name, url, format, events)"
                    " VALUES ('prune-test', 'http://127.0.0.1:9/', 'json', '{overdue}') RETURNING id"
                )
            )
        ).scalar_one()
        for name, age, state in (
            ("w-old-delivered", OLD, "delivered"),
            ("w-old-failed", OLD, "failed"),
            ("w-old-pending", OLD, "pending"),
            ("w-old-retrying", OLD, "retrying"),
            ("w-new-delivered", NEW, "delivered"),
        ):
            await conn.execute(
                text(
                    "INSERT INTO webhook_deliveries (subscription_id, event, detail, state, created_at)"
                    f" VALUES (:s, 'overdue', :name, :state, {age})"
                ),
                {"s": sub, "name": name, "state": state},
            )

    try:
        assert await jobs.prune_logs() == {
            "webhook_deliveries": 2,
            "notification_deliveries": 3,
            "notification_digests": 1,
            "notifications": 2,
        }
        assert await _remaining(engine) == {
            "notifications": [
                "key-open",
                "m-new-sent",
                "m-old-failed",
                "m-old-pending",
                "m-old-sending",
                "m-old-sent",
                "m-old-skipped",
                "new-read",
                "old-unread",
                "read-mail-pending",
            ],
            "mail": [
                "m-new-sent:sent",
                "m-old-pending:pending",
                "m-old-sending:sending",
                "read-mail-pending:pending",
            ],
            "digests": ["2026-01-02", "2026-01-03"],
            "webhooks": ["w-new-delivered", "w-old-pending", "w-old-retrying"],
        }
        # A second run finds nothing more.
        assert await jobs.prune_logs() == dict.fromkeys(
            ("webhook_deliveries", "notification_deliveries", "notification_digests", "notifications"), 0
        )
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM webhook_subscriptions WHERE name = 'prune-test'"))
            await conn.execute(text("DELETE FROM notification_digests"))
            await conn.execute(text("DELETE FROM notifications"))
