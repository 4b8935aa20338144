"""A new hazard reported: created, a retry of the same submission recognised, possible duplicates
asked about, or the report merged into the hazard it repeats.

Above both ``app.hazards`` (the ledger's rows) and ``app.workflow`` (a merge moves the new row to
``duplicate`` through the workflow, so the history says what happened).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import shapely
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.permissions import Principal, check_county
from app.clock import beijing_if_naive
from app.coords import Crs
from app.errors import Conflict, FieldError, Gone, invalid
from app.hazards import placement
from app.hazards import repository as repo
from app.hazards.service import Written, get_feature
from app.hazards.validation import (
    PROPERTY,
    check_dates,
    inactive_category,
    to_geometry,
    unknown_category,
    validate_new,
)
from app.notifications import service as notifications
from app.notifications.events import Event
from app.paths import hazard_link
from app.roads.duplicates import find_possible_duplicates
from app.settings import get_settings
from app.vocab import OPEN_STATUSES, HazardKind
from app.workflow import service as workflow


class OnDuplicate(StrEnum):
    """What a client wants when its new hazard has possible duplicates (query ``on_duplicate``)."""

    create = "create"  # it really is another hazard: record it
    merge = "merge"  # record it as a duplicate of ``duplicate_of`` (status duplicate, in the history)


async def create(
    session: AsyncSession,
    kind: HazardKind,
    body: Any,
    crs: Crs,
    principal: Principal,
    on_duplicate: OnDuplicate | None = None,
    duplicate_of: int | None = None,
) -> Written:
    if duplicate_of is not None and on_duplicate is not OnDuplicate.merge:
        raise invalid("duplicate_of", "only with on_duplicate=merge")
    if on_duplicate is OnDuplicate.merge and duplicate_of is None:
        raise invalid("duplicate_of", "required with on_duplicate=merge: the id of the hazard it repeats")
    actor = principal.actor
    body, on_road = await placement.locate_by_chainage(session, kind, body)
    feature = validate_new(kind, body)
    props = feature.properties
    assert props is not None and feature.geometry is not None
    # A position cut from the road is WGS84 already, whatever the client's own pins use.
    geom = to_geometry(kind, feature.geometry.model_dump(), Crs.wgs84 if on_road else crs)
    wkb = shapely.to_wkb(geom, output_dimension=2)
    reported_at = beijing_if_naive(props.reported_at)
    check_dates(reported_at, props.deadline, "properties")

    category = await repo.category(session, props.category)
    if category is None:
        raise unknown_category(props.category)
    visibility = props.visibility.value if props.visibility else category.usual_visibility
    new = repo.NewHazard(
        uid=str(props.uid) if props.uid else None,
        kind=kind.value,
        category_code=props.category,
        visibility=visibility,
        grade=props.grade.value,
        source=props.source.value,
        description=props.description,
        address=props.address,
        direction=props.direction,
        reported_at=reported_at,
        deadline=props.deadline,
        wkb=wkb,
        actor=actor,
    )
    if new.uid:
        await repo.lock_uid(session, new.uid)
        existing = await repo.created_with_uid(session, new.uid, wkb)
        if existing is not None:
            return await _same_submission(session, kind, new, existing)
    if not category.active:
        raise inactive_category(props.category)
    place = await placement.check_place(session, wkb)
    check_county(principal, place.county_code)
    new = replace(new, **on_road) if on_road else await placement.derive_road(session, new, geom)
    if on_duplicate is None:
        await _refuse_possible_duplicates(session, kind, new, geom)
    elif on_duplicate is OnDuplicate.merge:
        assert duplicate_of is not None
        await _check_kept(session, duplicate_of)

    await repo.set_actor(session, actor)
    hazard_id = await repo.insert(session, new)
    if duplicate_of is None:
        await notifications.record(
            session, Event.created, hazard_id=hazard_id, county_code=place.county_code, actor=principal
        )
    written = await get_feature(session, kind, hazard_id)
    if duplicate_of is not None:
        written = await _merge_into(session, kind, written, duplicate_of, principal)
    return Written(written.id, written.version, written.feature, created=True)


async def _refuse_possible_duplicates(
    session: AsyncSession, kind: HazardKind, new: repo.NewHazard, geom: shapely.Geometry
) -> None:
    """409 when an open hazard of the category lies this close on the same road: ask first.

    Nothing is written: the client sends the same request again with its choice, and the same uid
    (no hazard was made with it).
    """
    await repo.lock_duplicate_check(session, new.category_code)
    stretch = None
    if new.chainage_m is not None and new.end_chainage_m is not None:
        stretch = (new.chainage_m, new.end_chainage_m)
    found = await find_possible_duplicates(session, geom, new.category_code, new.road_id, chainage=stretch)
    if not found:
        return
    limit = get_settings().duplicate_distance_m
    listed = [
        {
            "id": d.id,
            "ledger_no": d.ledger_no,
            "kind": d.kind,
            "status": d.status,
            "road_code": d.road_code,
            "chainage": d.chainage,
            "distance_m": d.distance_m,
            "link": hazard_link(d.kind, d.id),
        }
        for d in found
    ]
    where = "on the same road" if new.road_id is not None else "nearby"
    nearest = found[0]
    raise Conflict(
        detail=f"{len(found)} open hazard(s) of category {new.category_code} {where} within "
        f"{limit:g} m (nearest: {nearest.ledger_no}, {nearest.distance_m:.0f} m); nothing was recorded. "
        f"Send the same request again with ?on_duplicate=create if it is another hazard, or with "
        f"?on_duplicate=merge&duplicate_of=<id> to record it as a duplicate of that hazard",
        extra={
            "duplicate_distance_m": limit,
            "duplicates": listed,
            "choices": {
                "create": "?on_duplicate=create",
                "merge": f"?on_duplicate=merge&duplicate_of={nearest.id}",
            },
        },
    )


async def _check_kept(session: AsyncSession, hazard_id: int) -> None:
    """The hazard a new report is merged into: it exists and is still open."""
    kept = await repo.state(session, hazard_id)
    if kept is None or kept.deleted:
        raise invalid("duplicate_of", f"there is no hazard with id {hazard_id}")
    if kept.status not in {s.value for s in OPEN_STATUSES}:
        raise invalid(
            "duplicate_of",
            f"hazard {hazard_id} is {kept.status}, not open; a report of a closed hazard is a new "
            "hazard (or a reason to reopen it)",
        )


async def _merge_into(
    session: AsyncSession, kind: HazardKind, written: Written, kept_id: int, principal: Principal
) -> Written:
    """Move the new row to ``duplicate`` through the workflow, so the history says what happened."""
    moved = await workflow.transition(
        session,
        kind,
        written.id,
        {"action": "duplicate", "of": kept_id, "note": "reported as a duplicate on creation"},
        written.etag,
        principal,
    )
    return replace(moved, created=True)


async def _same_submission(
    session: AsyncSession, kind: HazardKind, new: repo.NewHazard, existing: repo.Created
) -> Written:
    """A POST retried with the uid it was made with: the hazard it created, if it is the same."""
    if existing.kind != kind.value:
        raise Conflict(
            detail=f"uid {new.uid} belongs to a {HazardKind(existing.kind).en}, id {existing.id}",
            errors=[FieldError("properties.uid", "already used for another hazard")],
        )
    was = existing.changes
    compared = ("category_code", "visibility", "grade", "source", "description", "address", "direction")
    differs = [PROPERTY.get(c, c) for c in compared if was.get(c) != getattr(new, c)]
    if was.get("deadline") != (new.deadline.isoformat() if new.deadline else None):
        differs.append("deadline")
    if new.reported_at is not None and datetime.fromisoformat(was["reported_at"]) != new.reported_at:
        differs.append("reported_at")
    field_errors = [FieldError(f"properties.{name}", "differs from the first submission") for name in differs]
    if not existing.geometry_matches:
        field_errors.insert(0, FieldError("geometry", "differs from the first submission"))
    if field_errors:
        raise Conflict(
            detail=f"uid {new.uid} was already used for {kind.en} {existing.id} with other content; "
            "a retry must repeat the first submission, and a new hazard needs a new uid",
            errors=field_errors,
        )
    if existing.deleted:
        raise Gone(detail=f"the {kind.en} created with uid {new.uid} (id {existing.id}) has been deleted")
    return await get_feature(session, kind, existing.id)
