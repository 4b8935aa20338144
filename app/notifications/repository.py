"""The notifications table: fan-out of an event to its recipients, a user's list, read marks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.sqlfiles import load


@dataclass(frozen=True)
class Row:
    id: int
    event: str
    hazard_id: int | None
    kind: str | None
    ledger_no: str | None
    county_code: str | None
    detail: str | None
    created_at: datetime
    read_at: datetime | None
    candidate_id: int | None
    lon: float | None  # a candidate's place (a point on it)
    lat: float | None
    category_zh: str | None  # the hazard's category
    category_en: str | None


@dataclass(frozen=True)
class FanOut:
    told: int  # notifications written
    mailed: list[int]  # the e-mail deliveries queued with them


async def fan_out(
    session: AsyncSession,
    *,
    event: str,
    roles: list[str],
    city_wide: list[str],
    hazard_id: int | None,
    county_code: str | None,
    detail: str | None,
    actor_id: int | None,
    email_on: bool = False,
    email_default: list[str] | None = None,
) -> FanOut:
    result = await session.execute(
        text(load("app.notifications", "fan_out")),
        {
            "event": event,
            "roles": roles,
            "city_wide": city_wide,
            "hazard_id": hazard_id,
            "county_code": county_code,
            "detail": detail,
            "actor_id": actor_id,
            "email_on": email_on,
            "email_default": email_default or [],
        },
    )
    told, mailed = result.one()
    return FanOut(int(told), [int(i) for i in mailed])


async def tell_deadlines(
    session: AsyncSession | AsyncConnection,
    *,
    event: str,
    days: int,
    claim_days: int,
    open_statuses: list[str],
    roles: list[str],
    city_wide: list[str],
) -> list[int]:
    """Tell the recipients of the hazards due within ``days`` (``due_soon``) or overdue (``overdue``)
    what they were not told yet; the ids of the notifications written."""
    result = await session.execute(
        text(load("app.notifications", "deadlines")),
        {
            "event": event,
            "days": days,
            "claim_days": claim_days,
            "open": open_statuses,
            "roles": roles,
            "city_wide": city_wide,
        },
    )
    return [int(r[0]) for r in result]


async def tell_candidates(
    session: AsyncSession | AsyncConnection, *, roles: list[str], city_wide: list[str]
) -> list[int]:
    """Tell the recipients of the pending accident-prone candidates of a stretch not told before; the
    ids of the notifications written."""
    result = await session.execute(
        text(load("app.notifications", "candidates")), {"roles": roles, "city_wide": city_wide}
    )
    return [int(r[0]) for r in result]


async def listing(
    session: AsyncSession, user_id: int, *, unread: bool, before: int | None, limit: int
) -> list[Row]:
    rows = await session.execute(
        text(load("app.notifications", "list")),
        {"user_id": user_id, "unread": unread, "before": before, "limit": limit},
    )
    return [Row(*r) for r in rows]


async def unread_count(session: AsyncSession, user_id: int, cap: int | None = None) -> int:
    """How many unread (from the partial index of the unread); at most ``cap`` when given."""
    found = await session.execute(
        text(
            "SELECT count(*) FROM (SELECT 1 FROM notifications WHERE user_id = :u AND read_at IS NULL"
            " LIMIT :cap) unread"
        ),
        {"u": user_id, "cap": cap},
    )
    return int(found.scalar_one())


async def mark_read(session: AsyncSession, user_id: int, notification_id: int) -> bool:
    """False when the user has no such notification (someone else's is not theirs to mark)."""
    found = await session.execute(
        text(
            "UPDATE notifications SET read_at = coalesce(read_at, now())"
            " WHERE id = :id AND user_id = :u RETURNING id"
        ),
        {"id": notification_id, "u": user_id},
    )
    return found.one_or_none() is not None


async def mark_all_read(session: AsyncSession, user_id: int) -> int:
    result = await session.execute(
        text("UPDATE notifications SET read_at = now() WHERE user_id = :u AND read_at IS NULL"),
        {"u": user_id},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
