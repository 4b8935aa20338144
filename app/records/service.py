"""The record page (一点一档), 我的待办 and the search: what each is given."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.accounts.permissions import CITY_WIDE, Permission, Principal
from app.errors import InvalidInput, invalid
from app.notifications import service as notifications
from app.notifications.events import Event
from app.paths import collection_of
from app.records import repository, timeline
from app.roads.chainage import format_chainage, parse_chainage
from app.vocab import Direction, Grade, HazardKind, Source, Status, Visibility
from app.workflow import service as workflow

STAGES = ("report", "before", "after")
LISTS = ("to_claim", "due_soon", "overdue", "to_verify", "supervised")
PER_LIST = 100
LEDGER_NO = re.compile(r"^[0-9Z][0-9A-Z-]*$")
NOTIFICATIONS_PER_PAGE = 30


def page_url(root: str, kind: str, hazard_id: int) -> str:
    return f"{root}/{collection_of(kind)}/{hazard_id}"


def chainage_of(row: dict[str, Any]) -> str:
    return format_chainage(row.get("chainage_m"), row.get("end_chainage_m")) or ""


def labels(row: dict[str, Any], lang: str) -> dict[str, str]:
    """The row's codes in the page's language."""
    lab = timeline.label
    return {
        "status": lab(Status, row["status"], lang),
        "grade": lab(Grade, row["grade"], lang),
        "kind": lab(HazardKind, row["kind"], lang),
        "category": (row.get("category_zh") if lang == "zh" else row.get("category_en")) or "",
        **({"visibility": lab(Visibility, row["visibility"], lang)} if "visibility" in row else {}),
        **({"source": lab(Source, row["source"], lang)} if "source" in row else {}),
        **(
            {"direction": lab(Direction, row["direction"], lang) if row["direction"] is not None else ""}
            if "direction" in row
            else {}
        ),
    }


async def record_page(
    session: AsyncSession, principal: Principal, hazard_id: int, lang: str, w: dict[str, str]
) -> dict[str, Any] | None:
    rec = await repository.record(session, hazard_id)
    if rec is None:
        return None
    photos = await repository.photos(session, hazard_id)
    events = await repository.events(session, hazard_id)
    actions = (
        []
        if rec["deleted_at"] is not None
        else workflow.offered(
            principal,
            status=rec["status"],
            county_code=rec["county_code"],
            supervision_level=rec["supervision_level"],
            rectified_by=rec["rectified_by"],
        )
    )
    return {
        "rec": rec,
        "lab": labels(rec, lang),
        "chainage": chainage_of(rec),
        "when": timeline.when,
        "photos": {stage: [p for p in photos if p["stage"] == stage] for stage in STAGES},
        "timeline": [timeline.entry(e, w, lang) for e in reversed(events)],
        "actions": [(a.value, a.zh if lang == "zh" else a.en) for a in actions],
        "can_upload": principal.can(Permission.hazard_write) and principal.covers(rec["county_code"]),
    }


def _scope(principal: Principal) -> dict[str, Any]:
    return {
        "city_wide": principal.role in CITY_WIDE,
        "counties": sorted(principal.jurisdictions),
        "actor": principal.actor,
    }


def todo_lists(principal: Principal) -> list[str]:
    """The lists of a role: claims for those who claim, verification for those who close."""
    return [
        name
        for name in LISTS
        if (name != "to_claim" or principal.can(Permission.claim))
        and (name != "to_verify" or principal.can(Permission.close))
    ]


async def todo_counts(session: AsyncSession, principal: Principal) -> dict[str, Any]:
    """The counts alone, for the home page."""
    lists = todo_lists(principal)
    counts = await repository.todo_counts(session, **_scope(principal))
    return {"lists": lists, "counts": {name: counts[name] for name in lists}}


async def todo(session: AsyncSession, principal: Principal, lang: str) -> dict[str, Any]:
    lists = todo_lists(principal)
    counts = await repository.todo_counts(session, **_scope(principal))
    rows = await repository.todo_rows(session, **_scope(principal), lists=lists, per_list=PER_LIST)
    for row in rows:
        row["lab"] = labels(row, lang)
        row["chainage"] = chainage_of(row)
    return {
        "lists": lists,
        "counts": {name: counts[name] for name in lists},
        "rows": {name: [r for r in rows if r["list"] == name] for name in lists},
        "per_list": PER_LIST,
    }


def _like(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def search(session: AsyncSession, q: str, lang: str, root: str, limit: int = 50) -> dict[str, Any]:
    """By ledger number, by road + 桩号 (G309 K516+600: nearest along the road first), else by words."""
    q = unicodedata.normalize("NFKC", q).strip()
    if not q:
        raise invalid("q", "is empty: give a ledger number, a road and chainage, or words")
    how = "text"
    params: dict[str, Any] = {"pattern": _like(q)}
    extra: dict[str, Any] = {}
    if LEDGER_NO.match(q.upper()) and any(ch.isdigit() for ch in q) and "-" in q:
        how = "ledger_no"
    else:
        try:
            parsed = parse_chainage(q, "q")
        except InvalidInput:
            parsed = None
        if parsed is not None and parsed.road_code:
            how = "road"
            params = {"road": parsed.road_code, "chainage_m": parsed.start_m}
            extra = {"road": parsed.road_code, "chainage": format_chainage(parsed.start_m)}
    rows = await repository.search(session, how=how, q=q, limit=limit, **params)
    results = []
    for row in rows:
        distance = row["distance_m"]
        results.append(
            {
                "id": row["id"],
                "kind": row["kind"],
                "ledger_no": row["ledger_no"],
                "status": row["status"],
                "status_label": labels(row, lang)["status"],
                "category": labels(row, lang)["category"],
                "county": row["county_name"],
                "road": row["road_code"],
                "chainage": chainage_of(row) or None,
                "address": row["address"],
                "description": row["description"],
                "distance_m": None if distance is None else round(float(distance)),
                "url": page_url(root, row["kind"], row["id"]),
            }
        )
    exact = how == "ledger_no" and bool(results) and results[0]["ledger_no"].upper() == q.upper()
    return {"query": q, "match": how, **extra, "exact": exact, "results": results}


def _what(item: notifications.Item, w: dict[str, str], places: dict[str, str]) -> str:
    """The line under a notification's title: what it is about, in the page's words."""
    if item.event == Event.candidate:
        place = places.get(item.county_code or "", item.county_code or "")
        text = w["nf_candidate"].format(place=place)
        return text if item.candidate_id is not None else text + w["nf_candidate_gone"]
    parts = [item.ledger_no or "", item.category or "", places.get(item.county_code or "", "")]
    if item.event == Event.due_soon and item.detail:
        parts.append(w["nf_due"].format(day=item.detail))
    elif item.event == Event.overdue and item.detail:
        parts.append(w["nf_overdue_since"].format(day=item.detail))
    elif item.event == Event.listed and item.detail in ("city", "county"):
        parts.append(w[f"level_{item.detail}"])
    return " · ".join(p for p in parts if p)


async def notification_page(
    session: AsyncSession,
    principal: Principal,
    *,
    lang: str,
    w: dict[str, str],
    places: dict[str, str],
    root: str,
    unread_only: bool,
    before: int | None,
) -> dict[str, Any]:
    """One page of the user's notifications, newest first, and whether older ones follow."""
    found = await notifications.listing(
        session, principal, unread=unread_only, before=before, limit=NOTIFICATIONS_PER_PAGE + 1, lang=lang
    )
    page = found[:NOTIFICATIONS_PER_PAGE]
    return {
        "items": [
            {
                "id": i.id,
                "event": i.event,
                "title": i.title,
                "what": _what(i, w, places),
                "url": f"{root}{i.url}" if i.url else None,
                "read": i.read,
                "at": clock.as_beijing(i.created_at).strftime("%Y-%m-%d %H:%M"),
                "at_iso": i.created_at.isoformat(),
            }
            for i in page
        ],
        "older": page[-1].id if len(found) > NOTIFICATIONS_PER_PAGE else None,
        "unread_total": await notifications.unread_count(session, principal),
    }
