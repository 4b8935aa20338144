"""Records events for their recipients inside the caller's transaction: the change and its
notifications commit together or not at all. Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app import overdue
from app.accounts.permissions import CITY_WIDE, Principal
from app.errors import NotFound
from app.notifications import email_jobs
from app.notifications import repository as repo
from app.notifications.events import RECIPIENTS, Event
from app.notifications.mail_settings import get_mail_settings
from app.notifications.preferences import email_default_events
from app.notifications.webhooks import service as webhooks
from app.paths import collection_of
from app.settings import get_settings
from app.vocab import OPEN_STATUSES, HazardKind

# The bell counts this many unread at most ("99+"): a page view costs a bounded index scan however
# many a user left unread.
BELL_CAP = 99

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
    """Tell the event's recipients, and queue it for the webhooks that take it; the number told.
    Those who want it by e-mail get a delivery and its job, queued in the same transaction
    (``app.notifications.email_jobs``)."""
    await webhooks.enqueue(session, event.value, hazard_id=hazard_id, county_code=county_code, detail=detail)
    done = await repo.fan_out(
        session,
        event=event.value,
        roles=sorted(r.value for r in RECIPIENTS[event]),
        city_wide=sorted(r.value for r in CITY_WIDE),
        hazard_id=hazard_id,
        county_code=county_code,
        detail=detail,
        actor_id=actor.id if actor is not None and actor.kind == "user" else None,
        email_on=get_mail_settings().enabled,
        email_default=email_default_events(),
    )
    await email_jobs.queue_deliveries(session, done.mailed)
    return done.told


def _roles(event: Event) -> dict[str, list[str]]:
    return {
        "roles": sorted(r.value for r in RECIPIENTS[event]),
        "city_wide": sorted(r.value for r in CITY_WIDE),
    }


async def record_deadlines(session: AsyncSession | AsyncConnection) -> dict[str, int]:
    """Tell what is due within ``HAZARDMAP_DUE_SOON_DAYS`` days, and what is overdue, to whoever was
    not told yet of that hazard and that day; the number told of each. Safe to run at any time, any
    number of times, in several workers at once (the once-key's unique index)."""
    told = {}
    for event in (Event.due_soon, Event.overdue):
        ids = await repo.tell_deadlines(
            session,
            event=event.value,
            days=get_settings().due_soon_days,
            claim_days=overdue.claim_days(),
            open_statuses=[s.value for s in OPEN_STATUSES],
            **_roles(event),
        )
        await email_jobs.after_told(session, ids)
        told[event.value] = len(ids)
    await webhooks.enqueue_told(session, [Event.due_soon.value, Event.overdue.value])
    return told


async def record_candidates(db: AsyncSession | AsyncConnection) -> int:
    """Tell of the pending accident-prone candidates whose stretch nobody was told of yet (called by a
    detection run after it stored them, in its transaction)."""
    ids = await repo.tell_candidates(db, **_roles(Event.candidate))
    await email_jobs.after_told(db, ids)
    await webhooks.enqueue_told(db, [Event.candidate.value])
    return len(ids)


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
    category: str | None
    detail: str | None
    url: str | None
    candidate_id: int | None
    county_code: str | None
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


def _url(r: repo.Row) -> str | None:
    """The hazard's record page; for a candidate, its county's map centred on it (the county's map
    while a later detection run has replaced it)."""
    if r.kind and r.hazard_id:
        return f"/{collection_of(HazardKind(r.kind))}/{r.hazard_id}"
    if r.event == Event.candidate and r.county_code:
        at = f"#16/{r.lat:.5f}/{r.lon:.5f}" if r.lat is not None and r.lon is not None else ""
        return f"/map/{r.county_code}?layer=candidates{at}"
    return None


def _item(r: repo.Row, lang: str) -> Item:
    event = Event(r.event)
    return Item(
        id=r.id,
        event=r.event,
        title=event.en if lang == "en" else event.zh,
        hazard_id=r.hazard_id,
        ledger_no=r.ledger_no,
        category=(r.category_en or r.category_zh) if lang == "en" else r.category_zh,
        detail=r.detail,
        url=_url(r),
        candidate_id=r.candidate_id,
        county_code=r.county_code,
        created_at=r.created_at,
        read=r.read_at is not None,
    )


async def unread_count(session: AsyncSession, principal: Principal) -> int:
    return await repo.unread_count(session, principal.id)


async def bell_count(session: AsyncSession, principal: Principal) -> int:
    """The unread count the navigation's bell shows, at most ``BELL_CAP + 1`` (shown "99+")."""
    return await repo.unread_count(session, principal.id, cap=BELL_CAP + 1)


async def mark_read(session: AsyncSession, principal: Principal, notification_id: int) -> None:
    if not await repo.mark_read(session, principal.id, notification_id):
        raise NotFound(detail=f"you have no notification with id {notification_id}")


async def mark_all_read(session: AsyncSession, principal: Principal) -> int:
    return await repo.mark_all_read(session, principal.id)
