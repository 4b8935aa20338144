"""The webhook tables: subscriptions, deliveries queued with the event, attempts and their outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.sqlfiles import load

PKG = "app.notifications.webhooks"
COLUMNS = (
    "id, name, url, secret IS NOT NULL AS has_secret, format, events, counties, enabled,"
    " created_at, updated_at"
)
EDITABLE = ("name", "url", "secret", "format", "events", "counties", "enabled")


@dataclass(frozen=True)
class Subscription:
    id: int
    name: str
    url: str
    has_secret: bool
    format: str
    events: list[str]
    counties: list[str]
    enabled: bool
    created_at: datetime
    updated_at: datetime


async def enqueue(
    session: AsyncSession, *, event: str, hazard_id: int | None, county_code: str | None, detail: str | None
) -> list[int]:
    rows = await session.execute(
        text(load(PKG, "enqueue")),
        {"event": event, "hazard_id": hazard_id, "county_code": county_code, "detail": detail},
    )
    return [int(r[0]) for r in rows]


async def enqueue_told(session: AsyncSession | AsyncConnection, events: Sequence[str]) -> list[int]:
    rows = await session.execute(text(load(PKG, "enqueue_told")), {"events": list(events)})
    return [int(r[0]) for r in rows]


async def subscriptions(session: AsyncSession) -> list[Subscription]:
    rows = await session.execute(text(f"SELECT {COLUMNS} FROM webhook_subscriptions ORDER BY id"))
    return [Subscription(**r) for r in rows.mappings()]


async def subscription(session: AsyncSession, subscription_id: int) -> Subscription | None:
    row = (
        (
            await session.execute(
                text(f"SELECT {COLUMNS} FROM webhook_subscriptions WHERE id = :id"), {"id": subscription_id}
            )
        )
        .mappings()
        .first()
    )
    return Subscription(**row) if row else None


async def name_taken(session: AsyncSession, name: str, *, other_than: int | None = None) -> bool:
    found = await session.execute(
        text("SELECT 1 FROM webhook_subscriptions WHERE name = :name AND id IS DISTINCT FROM :id"),
        {"name": name, "id": other_than},
    )
    return found.first() is not None


async def unknown_counties(session: AsyncSession, codes: Sequence[str]) -> list[str]:
    """The codes among ``codes`` that are not counties of the city."""
    rows = await session.execute(
        text(
            "SELECT c FROM unnest(CAST(:codes AS text[])) AS c"
            " WHERE NOT EXISTS (SELECT 1 FROM jurisdictions j WHERE j.code = c AND j.level = 'county')"
        ),
        {"codes": list(codes)},
    )
    return [r[0] for r in rows]


async def create(session: AsyncSession, values: dict[str, Any]) -> int:
    row = await session.execute(
        text(
            "INSERT INTO webhook_subscriptions (name, url, secret, format, events, counties, enabled)"
            " VALUES (:name, :url, :secret, :format, :events, :counties, :enabled) RETURNING id"
        ),
        values,
    )
    return int(row.scalar_one())


async def update(session: AsyncSession, subscription_id: int, values: dict[str, Any]) -> bool:
    columns = [c for c in EDITABLE if c in values]  # the names are ours, the values bound
    assignments = ", ".join(f"{c} = :{c}" for c in columns)
    row = await session.execute(
        text(
            f"UPDATE webhook_subscriptions SET {assignments}, updated_at = now() WHERE id = :id RETURNING id"
        ),
        {**{c: values[c] for c in columns}, "id": subscription_id},
    )
    return row.first() is not None


async def delete(session: AsyncSession, subscription_id: int) -> bool:
    row = await session.execute(
        text("DELETE FROM webhook_subscriptions WHERE id = :id RETURNING id"), {"id": subscription_id}
    )
    return row.first() is not None


async def add_test_delivery(session: AsyncSession, subscription_id: int) -> int:
    row = await session.execute(
        text("INSERT INTO webhook_deliveries (subscription_id, event) VALUES (:id, 'test') RETURNING id"),
        {"id": subscription_id},
    )
    return int(row.scalar_one())


async def delivery(conn: AsyncSession | AsyncConnection, delivery_id: int) -> RowMapping | None:
    return (await conn.execute(text(load(PKG, "delivery")), {"id": delivery_id})).mappings().first()


async def begin_attempt(conn: AsyncSession | AsyncConnection, delivery_id: int) -> int | None:
    """Count an attempt before it is made (a worker killed mid-request still counts it); None when
    the delivery has ended already."""
    row = await conn.execute(
        text(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = now()"
            " WHERE id = :id AND state IN ('pending', 'retrying') RETURNING attempts"
        ),
        {"id": delivery_id},
    )
    found = row.scalar_one_or_none()
    return None if found is None else int(found)


async def finish_attempt(
    conn: AsyncSession | AsyncConnection,
    delivery_id: int,
    *,
    state: str,
    status: int | None,
    error: str | None,
) -> None:
    await conn.execute(
        text(
            "UPDATE webhook_deliveries SET state = CAST(:state AS text), last_status = :status,"
            " last_error = :error,"
            " delivered_at = CASE WHEN CAST(:state AS text) = 'delivered' THEN now() END WHERE id = :id"
        ),
        {"id": delivery_id, "state": state, "status": status, "error": error},
    )


async def log(
    session: AsyncSession, *, subscription_id: int | None, before: int | None, limit: int
) -> list[RowMapping]:
    rows = await session.execute(
        text(load(PKG, "log")),
        {"subscription_id": subscription_id, "before": before, "limit": limit},
    )
    return list(rows.mappings())


async def counties(session: AsyncSession) -> list[tuple[str, str]]:
    """The city's counties: (code, name)."""
    rows = await session.execute(
        text("SELECT code, name FROM jurisdictions WHERE level = 'county' ORDER BY code")
    )
    return [(r[0], r[1]) for r in rows]
