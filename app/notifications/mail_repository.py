"""The SQL of preferences, e-mail deliveries and digests (``sql/preferences*.sql``, ``delivery_*``,
``digest_*``). Sessions or connections of the caller; nothing here commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.sqlfiles import load

PKG = "app.notifications"
Db = AsyncSession | AsyncConnection


async def outbox(
    db: Db, notification_ids: list[int], *, email_on: bool, email_default: list[str]
) -> list[int]:
    """The channels of notifications just written (``sql/outbox.sql``); the e-mail deliveries' ids."""
    if not notification_ids:
        return []
    row = (
        await db.execute(
            text(load(PKG, "outbox")),
            {"ids": notification_ids, "email_on": email_on, "email_default": email_default},
        )
    ).one()
    return [int(i) for i in row.mailed]


async def preferences(db: Db, user_id: int) -> dict[tuple[str, str], bool]:
    rows = await db.execute(text(load(PKG, "preferences")), {"user_id": user_id})
    return {(r.event, r.channel): bool(r.enabled) for r in rows}


async def put_preferences(db: Db, user_id: int, choices: list[tuple[str, str, bool]]) -> None:
    if not choices:
        return
    await db.execute(
        text(load(PKG, "preferences_put")),
        {
            "user_id": user_id,
            "events": [c[0] for c in choices],
            "channels": [c[1] for c in choices],
            "enabled": [c[2] for c in choices],
        },
    )


@dataclass(frozen=True)
class Claim:
    attempts: int
    was: str  # the state before: "pending", or "sending" when an earlier attempt stopped midway


async def claim_delivery(db: Db, delivery_id: int) -> Claim | None:
    row = (await db.execute(text(load(PKG, "delivery_claim")), {"id": delivery_id})).one_or_none()
    return Claim(int(row.attempts), str(row.was)) if row else None


@dataclass(frozen=True)
class Item:
    """One line of an e-mail: a notification, or an open hazard of the digest."""

    event: str | None
    detail: str | None
    hazard_id: int | None
    kind: str | None
    ledger_no: str | None
    address: str | None
    county_name: str | None
    due: date | None = None
    overdue: bool = False
    county_code: str | None = None


@dataclass(frozen=True)
class Message:
    email: str | None
    wanted: bool
    item: Item


async def delivery_message(
    db: Db, delivery_id: int, *, email_default: list[str], city_wide: list[str]
) -> Message | None:
    row = (
        await db.execute(
            text(load(PKG, "delivery_message")),
            {"id": delivery_id, "email_default": email_default, "city_wide": city_wide},
        )
    ).one_or_none()
    if row is None:
        return None
    item = Item(
        row.event,
        row.detail,
        row.hazard_id,
        row.kind,
        row.ledger_no,
        row.address,
        row.county_name,
        row.deadline,
    )
    return Message(row.email, bool(row.wanted), item)


async def finish_delivery(db: Db, delivery_id: int, state: str, error: str | None = None) -> None:
    await db.execute(
        text(load(PKG, "delivery_finish")),
        {"id": delivery_id, "state": state, "error": error[:500] if error else None},
    )


async def queue_digests(db: Db, day: date, events: list[str]) -> list[int]:
    rows = await db.execute(text(load(PKG, "digest_queue")), {"day": day, "events": events})
    return [int(r[0]) for r in rows]


async def claim_digest(db: Db, user_id: int, day: date) -> Claim | None:
    row = (await db.execute(text(load(PKG, "digest_claim")), {"user_id": user_id, "day": day})).one_or_none()
    return Claim(int(row.attempts), str(row.was)) if row else None


@dataclass(frozen=True)
class Recipient:
    email: str | None
    active: bool
    city_wide: bool
    counties: list[str]


async def digest_recipient(db: Db, user_id: int, city_wide: list[str]) -> Recipient | None:
    row = (
        await db.execute(text(load(PKG, "digest_recipient")), {"user_id": user_id, "city_wide": city_wide})
    ).one_or_none()
    return Recipient(row.email, bool(row.active), bool(row.city_wide), list(row.counties)) if row else None


async def digest_unread(
    db: Db, user_id: int, who: Recipient, since: datetime, until: datetime, limit: int
) -> list[Item]:
    rows = await db.execute(
        text(load(PKG, "digest_unread")),
        {
            "user_id": user_id,
            "since": since,
            "until": until,
            "city_wide": who.city_wide,
            "counties": who.counties,
            "limit": limit,
        },
    )
    return [Item(r.event, r.detail, r.hazard_id, r.kind, r.ledger_no, r.address, r.county_name) for r in rows]


async def digest_open(
    db: Db, who: Recipient, *, days: int, claim_days: int, limit: int
) -> tuple[list[Item], int]:
    """The open items due within ``days`` or overdue (at most ``limit``), and how many there are."""
    params: dict[str, Any] = {
        "city_wide": who.city_wide,
        "counties": who.counties,
        "days": days,
        "claim_days": claim_days,
        "limit": limit,
    }
    rows = (await db.execute(text(load(PKG, "digest_open")), params)).all()
    items = [
        Item(None, None, r.hazard_id, r.kind, r.ledger_no, r.address, r.county_name, r.due, bool(r.overdue))
        for r in rows
    ]
    return items, int(rows[0].total) if rows else 0


async def finish_digest(
    db: Db, user_id: int, day: date, state: str, *, items: int | None = None, error: str | None = None
) -> None:
    await db.execute(
        text(load(PKG, "digest_finish")),
        {
            "user_id": user_id,
            "day": day,
            "state": state,
            "items": items,
            "error": error[:500] if error else None,
        },
    )
