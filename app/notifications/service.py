"""Records events for their recipients inside the caller's transaction: the change and its
notifications commit together or not at all. Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.permissions import CITY_WIDE, Principal
from app.errors import NotFound
from app.notifications import repository as repo
from app.notifications.events import RECIPIENTS, Event
from app.notifications.webhooks import service as webhooks
from app.paths import collection_of
from app.vocab import HazardKind

# The workflow actions that are events of their own (the others tell nobody).
ACTION_EVENTS = {
    "claim": Event.claimed,
    "rectify": Event.rectified,
    "list": Event.listed,
    "delist": Event.delisted,
}


async def record(
    session: AsyncSession,
    event: Event,
    *,
    hazard_id: int,
    county_code: str | None,
    actor: Principal | None,
    detail: str | None = None,
) -> int:
    """Tell the event's recipients, and queue it for the webhooks that take it; the number told."""
    await webhooks.enqueue(session, event.value, hazard_id=hazard_id, county_code=county_code, detail=detail)
    return await repo.fan_out(
        session,
        event=event.value,
        roles=sorted(r.value for r in RECIPIENTS[event]),
        city_wide=sorted(r.value for r in CITY_WIDE),
        hazard_id=hazard_id,
        county_code=county_code,
        detail=detail,
        actor_id=actor.id if actor is not None and actor.kind == "user" else None,
    )


async def record_action(
    session: AsyncSession,
    action: str,
    *,
    hazard_id: int,
    county_code: str | None,
    actor: Principal,
    detail: str | None = None,
) -> None:
    event = ACTION_EVENTS.get(action)
    if event is not None:
        await record(session, event, hazard_id=hazard_id, county_code=county_code, actor=actor, detail=detail)


@dataclass(frozen=True)
class Item:
    id: int
    event: str
    title: str
    hazard_id: int | None
    ledger_no: str | None
    detail: str | None
    url: str | None
    created_at: datetime
    read: bool


async def listing(
    session: AsyncSession,
    principal: Principal,
    *,
    unread: bool = False,
    before: int | None = None,
    limit: int = 50,
    lang: str = "zh",
) -> list[Item]:
    rows = await repo.listing(session, principal.id, unread=unread, before=before, limit=limit)
    return [_item(r, lang) for r in rows]


def _item(r: repo.Row, lang: str) -> Item:
    event = Event(r.event)
    url = f"/{collection_of(HazardKind(r.kind))}/{r.hazard_id}" if r.kind and r.hazard_id else None
    return Item(
        id=r.id,
        event=r.event,
        title=event.en if lang == "en" else event.zh,
        hazard_id=r.hazard_id,
        ledger_no=r.ledger_no,
        detail=r.detail,
        url=url,
        created_at=r.created_at,
        read=r.read_at is not None,
    )


async def unread_count(session: AsyncSession, principal: Principal) -> int:
    return await repo.unread_count(session, principal.id)


async def mark_read(session: AsyncSession, principal: Principal, notification_id: int) -> None:
    if not await repo.mark_read(session, principal.id, notification_id):
        raise NotFound(detail=f"you have no notification with id {notification_id}")


async def mark_all_read(session: AsyncSession, principal: Principal) -> int:
    return await repo.mark_all_read(session, principal.id)
