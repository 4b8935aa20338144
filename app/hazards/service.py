"""The hazard ledger's rows over HTTP: reading them, changing them (PATCH), deleting them.

Everything a request can get wrong is refused before anything is written, naming the field
(``validation`` checks the request, ``placement`` the road and the city); the database triggers
(county, township, ledger number, version, history) stay the last line of defence, not the first.
A new hazard is made by ``app.intake``; its status changes only through ``app.workflow``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

import shapely
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.permissions import Principal, check_county
from app.clock import beijing_if_naive
from app.coords import Crs
from app.deps import Paging
from app.errors import Conflict, FieldError, Gone, NotFound, PreconditionFailed, invalid
from app.hazards import lifecycle, placement
from app.hazards import repository as repo
from app.hazards.schemas import LOCATING, HazardFilter
from app.hazards.validation import (
    COLUMN,
    check_dates,
    inactive_category,
    invalid_all,
    to_geometry,
    unknown_category,
    validate_patch,
)
from app.http import check_if_match, etag
from app.paths import collection_of, hazard_link
from app.vocab import HazardKind, Status


@dataclass(frozen=True)
class Written:
    """A hazard after a request: its Feature (text built by PostGIS) and version (the ETag)."""

    id: int
    version: int
    feature: str
    created: bool = False

    @property
    def etag(self) -> str:
        return etag(self.version)


# -- reading ---------------------------------------------------------------------------------------
async def list_features(session: AsyncSession, kind: HazardKind, f: HazardFilter, page: Paging) -> repo.Page:
    await check_codes(session, f)
    return await repo.list_features(session, kind.value, f, page.limit, page.offset)


async def check_codes(session: AsyncSession, f: HazardFilter) -> None:
    """Refuse filter codes that name nothing (shared by the list, the tiles, OGC API and exports)."""
    if f.county or f.township or f.category or f.road:
        unknown = await repo.unknown_codes(session, f)
        errors = []
        if unknown.county:
            errors.append(
                FieldError(
                    "county",
                    f"unknown county code {', '.join(unknown.county)}; "
                    f"expected one of: {', '.join(unknown.counties) or '(no counties loaded)'}",
                )
            )
        for name, label in (("township", "township code"), ("category", "category"), ("road", "road code")):
            values = getattr(unknown, name)
            if values:
                errors.append(FieldError(name, f"unknown {label} {', '.join(values)}"))
        if errors:
            raise invalid_all(errors)


async def get_feature(session: AsyncSession, kind: HazardKind, hazard_id: int) -> Written:
    one = await repo.one_feature(session, hazard_id)
    _exists(kind, hazard_id, one.kind if one else None, one.deleted if one else False)
    assert one is not None
    return Written(hazard_id, one.version, one.feature)


async def history(session: AsyncSession, kind: HazardKind, hazard_id: int) -> str:
    """The history as JSON text: the hazard's id and ledger number, and its events oldest first.

    A deleted hazard keeps its history, and it stays readable: that is what it is for.
    """
    found = await repo.identity(session, hazard_id)
    if found is None or found.kind != kind.value:
        raise _not_found(kind, hazard_id)
    events = await repo.history(session, hazard_id)
    envelope = json.dumps({"id": hazard_id, "ledger_no": found.ledger_no}, ensure_ascii=False)
    return f'{envelope[:-1]}, "events": {events}}}'


# -- writing ---------------------------------------------------------------------------------------
async def patch(
    session: AsyncSession,
    kind: HazardKind,
    hazard_id: int,
    body: Any,
    crs: Crs,
    if_match: str | None,
    principal: Principal,
) -> Written:
    actor = principal.actor
    current = await _locked(session, kind, hazard_id)
    check_county(principal, current.county_code)
    check_if_match(if_match, current.version)
    props, geometry = validate_patch(kind, hazard_id, body)

    values: dict[str, Any] = {}
    for name in props.model_fields_set - LOCATING:
        value = getattr(props, name)
        if name == "description" and value is None:
            value = ""  # merge-patch null removes the text; the column keeps '' for "none"
        values[COLUMN.get(name, name)] = value.value if isinstance(value, Enum) else value
    if "reported_at" in values:
        values["reported_at"] = beijing_if_naive(values["reported_at"])
    if "reported_at" in values or "deadline" in values:
        check_dates(
            values.get("reported_at", current.values["reported_at"]),
            values.get("deadline", current.values["deadline"]),
            "properties",
        )
    changed = {c: v for c, v in values.items() if current.values.get(c) != v}
    if "status" in changed:
        # One state machine owns the status (app.workflow): a PATCH could skip the claim, the
        # deadline or the second person's check.
        state = Status(current.values["status"])
        can = ", ".join(lifecycle.allowed(state)) or "none (a final state)"
        raise Conflict(
            detail=f"the status changes only through POST {hazard_link(kind, hazard_id)}/transitions; "
            f"actions allowed from '{state}': {can}",
            errors=[FieldError("properties.status", "change it with a transition")],
        )
    if "category_code" in changed:
        category = await repo.category(session, changed["category_code"])
        if category is None:
            raise unknown_category(changed["category_code"])
        if not category.active:
            raise inactive_category(category.code)

    wkb: bytes | None = None
    road: dict[str, Any] | None = None
    if props.model_fields_set & LOCATING:
        if geometry is not None:
            raise invalid("geometry", "give either a geometry or a new road/chainage, not both")
        geom, road = await placement.relocate(session, kind, current, props)
    elif geometry is not None:
        geom = to_geometry(kind, geometry, crs)
    if (props.model_fields_set & LOCATING or geometry is not None) and not shapely.equals_exact(
        geom, shapely.from_wkb(current.wkb), tolerance=0
    ):
        wkb = shapely.to_wkb(geom, output_dimension=2)
        place = await placement.check_place(session, wkb)
        # The trigger derives county and township on insert only; a move re-derives them here
        # by the same rules (place.sql). The ledger number is an identifier and stays.
        check_county(principal, place.county_code, "the new position's county")
        changed["county_code"] = place.county_code
        changed["township_code"] = place.township_code
        if road is None:
            # Moved by its geometry: the road and chainage follow it (the same route first).
            road = await placement.road_columns(session, geom, current.road_code)
    if road is not None:
        was = {
            "road_id": current.road_id,
            "chainage_m": current.chainage_m,
            "end_chainage_m": current.end_chainage_m,
            "direction": current.values.get("direction"),
        }
        changed |= {c: v for c, v in road.items() if was[c] != v}

    if changed or wkb is not None:
        await repo.set_actor(session, actor)
        if await repo.update(session, hazard_id, current.version, changed, wkb=wkb, actor=actor) != 1:
            raise PreconditionFailed(detail="the hazard changed while this request was being applied")
    return await get_feature(session, kind, hazard_id)


async def delete(
    session: AsyncSession, kind: HazardKind, hazard_id: int, if_match: str | None, principal: Principal
) -> None:
    actor = principal.actor
    current = await _locked(session, kind, hazard_id)
    check_county(principal, current.county_code)
    check_if_match(if_match, current.version)
    await repo.set_actor(session, actor)
    if await repo.soft_delete(session, hazard_id, current.version, actor) != 1:
        raise PreconditionFailed(detail="the hazard changed while this request was being applied")


# -- existence -------------------------------------------------------------------------------------
def _not_found(kind: HazardKind, hazard_id: int) -> NotFound:
    return NotFound(detail=f"there is no {kind.en} with id {hazard_id} under /{collection_of(kind)}")


def _exists(kind: HazardKind, hazard_id: int, found_kind: str | None, deleted: bool) -> None:
    # A segment asked for under /hazards (or the reverse) is not there: each path is its own
    # collection, and the id alone does not say which.
    if found_kind is None or found_kind != kind.value:
        raise _not_found(kind, hazard_id)
    if deleted:
        raise Gone(detail=f"{kind.en} {hazard_id} has been deleted; its history is still readable")


async def _locked(session: AsyncSession, kind: HazardKind, hazard_id: int) -> repo.Current:
    current = await repo.lock(session, hazard_id)
    _exists(kind, hazard_id, current.kind if current else None, current.deleted if current else False)
    assert current is not None
    return current
