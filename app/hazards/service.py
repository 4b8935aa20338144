"""The rules of the hazard ledger over HTTP: what may be written, and what a request gets back.

Everything a request can get wrong is refused here, naming the field, before anything is
written; the database triggers (county, township, ledger number, version, history) stay the
last line of defence, not the first.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from enum import Enum, StrEnum
from typing import Any

import shapely
from geojson_pydantic import LineString, Point
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.permissions import Principal, check_county
from app.coords import Crs, to_wgs84
from app.deps import Paging
from app.errors import Conflict, FieldError, Gone, InvalidInput, NotFound, PreconditionFailed, invalid
from app.geodata.hazards import SELF_CROSSING
from app.hazards import repository as repo
from app.hazards.schemas import (
    CREATE_ONLY,
    LOCATING,
    READ_ONLY,
    REQUIRED,
    HazardCreateProperties,
    HazardFilter,
    HazardPatchProperties,
    HazardPointIn,
    HazardSegmentIn,
)
from app.http import check_if_match, etag, field_path
from app.roads.chainage import format_chainage, parse_chainage
from app.roads.duplicates import find_possible_duplicates
from app.roads.heading import direction_in_text
from app.roads.linear import point_at_chainage, snap_to_road, stretch_between
from app.settings import get_settings
from app.vocab import OPEN_STATUSES, Direction, HazardKind, Status
from app.workflow import machine as workflow_machine

# China has kept UTC+8 all year since 1991; a time given without an offset is Beijing time.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
# Clocks of phones in the field drift; a report "from the future" beyond this is a mistake.
CLOCK_SKEW = timedelta(minutes=10)
# Dates outside these are typing mistakes (and the ledger number has a four-digit year).
EARLIEST = date(1980, 1, 1)
LATEST = date(2199, 12, 31)
# Output rounds coordinates to 7 decimals (about 1 cm); positions equal at that precision are one.
PRECISION = 7

GEOMETRY_TYPE = {HazardKind.point: "Point", HazardKind.segment: "LineString"}
PATH = {HazardKind.point: "hazards", HazardKind.segment: "segments"}
CREATE_MODEL: dict[HazardKind, type[HazardPointIn] | type[HazardSegmentIn]] = {
    HazardKind.point: HazardPointIn,
    HazardKind.segment: HazardSegmentIn,
}
# Property names on the wire → columns.
COLUMN = {"category": "category_code"}
PROPERTY = {v: k for k, v in COLUMN.items()}


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
            raise _invalid(errors)


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
    body, on_road = await _locate_by_chainage(session, kind, body)
    feature = _validate_new(kind, body)
    props = feature.properties
    assert props is not None and feature.geometry is not None
    # A position cut from the road is WGS84 already, whatever the client's own pins use.
    geom = _geometry(kind, feature.geometry.model_dump(), Crs.wgs84 if on_road else crs)
    wkb = shapely.to_wkb(geom, output_dimension=2)
    reported_at = beijing_if_naive(props.reported_at)
    _check_dates(reported_at, props.deadline, "properties")

    category = await repo.category(session, props.category)
    if category is None:
        raise _unknown_category(props.category)
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
        raise _inactive_category(props.category)
    place = await _check_place(session, wkb)
    check_county(principal, place.county_code)
    new = replace(new, **on_road) if on_road else await _on_road(session, new, geom)
    if on_duplicate is None:
        await _refuse_possible_duplicates(session, kind, new, geom)
    elif on_duplicate is OnDuplicate.merge:
        assert duplicate_of is not None
        await _check_kept(session, duplicate_of)

    await repo.set_actor(session, actor)
    hazard_id = await repo.insert(session, new)
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
            "link": f"/api/v1/{PATH[HazardKind(d.kind)]}/{d.id}",
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
    # The workflow imports this module; import it here, once both are loaded.
    from app.workflow import service as workflow

    moved = await workflow.transition(
        session,
        kind,
        written.id,
        {"action": "duplicate", "of": kept_id, "note": "reported as a duplicate on creation"},
        written.etag,
        principal,
    )
    return replace(moved, created=True)


async def _locate_by_chainage(
    session: AsyncSession, kind: HazardKind, body: Any
) -> tuple[Any, dict[str, Any] | None]:
    """A hazard given as road code + 桩号 instead of a geometry gets its geometry from the road.

    ``{"geometry": null, "properties": {"road": "G309", "chainage": "K516+600", …}}`` is a point;
    ``"chainage": "K516+600-K517+200"`` a segment cut from the road (ST_LineSubstring). The road
    code may also stand in front of the chainage (``"G309 K516+600"``). Returns the body with the
    geometry filled in, and the road columns to store (None when the body had a geometry).
    """
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        return body, None
    props = dict(body["properties"])
    road, chainage = props.pop("road", None), props.pop("chainage", None)
    if road is None and chainage is None:
        return body, None
    if body.get("geometry") is not None:
        raise invalid("geometry", "give either a geometry or properties.road + properties.chainage, not both")
    if not isinstance(chainage, str):
        raise invalid("properties.chainage", "required with properties.road: a 桩号 such as K516+600")
    parsed = parse_chainage(chainage, field="properties.chainage")
    if isinstance(road, str) and parsed.road_code and road.strip().upper() != parsed.road_code:
        raise invalid(
            "properties.chainage",
            f"“{chainage}”中的道路编号 {parsed.road_code} 与 properties.road（{road.strip().upper()}）不符",
        )
    code = road or parsed.road_code
    if not isinstance(code, str) or not code.strip():
        raise invalid("properties.road", "required: the road code (e.g. G309), here or before the 桩号")
    if kind is HazardKind.point:
        if parsed.is_range:
            raise invalid("properties.chainage", "a hazard point is at one 桩号; a range is a segment")
        at = await point_at_chainage(session, code, parsed.start_m, field="properties.chainage")
        geometry: dict[str, Any] = {"type": "Point", "coordinates": [at.lon, at.lat]}
        on_road = {"road_id": at.road_id, "chainage_m": parsed.start_m}
    else:
        if not parsed.is_range:
            raise invalid("properties.chainage", "a segment needs a start and an end: K516+600-K517+200")
        assert parsed.end_m is not None
        start, end = sorted((parsed.start_m, parsed.end_m))
        stretch = await stretch_between(session, code, start, end, field="properties.chainage")
        geometry = json.loads(stretch.geojson)
        on_road = {"road_id": stretch.road_id, "chainage_m": start, "end_chainage_m": end}
    said = await direction_in_text(session, parsed, code, field="properties.chainage")
    if said is not None:
        props["direction"] = _same_direction(props.get("direction"), said, chainage)
    return {**body, "geometry": geometry, "properties": props}, on_road


def _same_direction(given: Any, said: int, chainage: str) -> Any:
    """The direction the 桩号 text gave, unless properties.direction says otherwise."""
    if given is None or given == said:
        return said
    raise invalid(
        "properties.direction",
        f"与桩号“{chainage}”中的方向不符（桩号中为 {Direction(str(said)).zh}，这里为 {given}）",
    )


async def _road_columns(
    session: AsyncSession, geom: shapely.Geometry, route: str | None = None
) -> dict[str, Any]:
    """road_id, chainage_m and end_chainage_m of a geometry, by linear referencing (None: on no road).

    With ``route`` the geometry is first placed on that route, so that a segment moved along its
    road keeps it even where another road crosses.
    """
    if route is not None:
        on_route = await _snapped(session, geom, route)
        if on_route is not None:
            return on_route
    return await _snapped(session, geom, None) or dict.fromkeys(repo.ROAD_COLUMNS)


async def _snapped(session: AsyncSession, geom: shapely.Geometry, route: str | None) -> dict[str, Any] | None:
    if isinstance(geom, shapely.Point):
        snap = await snap_to_road(session, geom.x, geom.y, route=route)
        if snap.position is None:
            return None
        return {
            "road_id": snap.position.road_id,
            "chainage_m": round(snap.position.chainage_m, 1),
            "end_chainage_m": None,
        }
    coords = list(geom.coords)
    (x1, y1), (x2, y2) = coords[0][:2], coords[-1][:2]
    a = (await snap_to_road(session, x1, y1, route=route)).position
    b = (await snap_to_road(session, x2, y2, route=route)).position
    if a is None or b is None or a.road_code != b.road_code:
        return None
    start, end = sorted((a.chainage_m, b.chainage_m))
    road_id = a.road_id if a.chainage_m <= b.chainage_m else b.road_id
    return {"road_id": road_id, "chainage_m": round(start, 1), "end_chainage_m": round(end, 1)}


async def _relocate(
    session: AsyncSession, kind: HazardKind, current: repo.Current, props: HazardPatchProperties
) -> tuple[shapely.Geometry, dict[str, Any]]:
    """A new road and/or chainage: the geometry cut from the road again, in this transaction.

    Unnamed parts keep their current values (a new end chainage keeps the start and the road).
    """
    given = props.model_fields_set
    extra: dict[str, Any] = {}  # what the 桩号 text also said (its direction)
    code = props.road if "road" in given else current.road_code
    if code is None:
        raise invalid("properties.road", f"required: the {kind.en} is on no road; name the road (e.g. G309)")
    start, end = current.chainage_m, current.end_chainage_m
    start_field, end_field = "properties.chainage_m", "properties.end_chainage_m"
    if "chainage" in given:
        if given & {"chainage_m", "end_chainage_m"}:
            raise invalid(
                "properties.chainage", "give the 桩号 either as chainage or as chainage_m/end_chainage_m"
            )
        assert props.chainage is not None
        parsed = parse_chainage(props.chainage, field="properties.chainage")
        if parsed.road_code and "road" not in given:
            code = parsed.road_code
        start_field = end_field = "properties.chainage"
        if kind is HazardKind.point and parsed.is_range:
            raise invalid("properties.chainage", "a hazard point is at one 桩号; a range is a segment")
        if kind is HazardKind.segment and not parsed.is_range:
            raise invalid("properties.chainage", "a segment needs a start and an end: K516+600-K517+200")
        start, end = parsed.start_m, parsed.end_m
        if end is not None:
            start, end = sorted((start, end))
        said = await direction_in_text(session, parsed, code, field=start_field)
        if said is not None:
            extra["direction"] = _same_direction(props.direction, said, props.chainage)
    if "chainage_m" in given:
        start = props.chainage_m
    if "end_chainage_m" in given:
        if kind is HazardKind.point:
            raise invalid(end_field, "a hazard point has one chainage; an end belongs to a segment")
        end = props.end_chainage_m
    if start is None:
        raise invalid(start_field, f"required: the {kind.en} has no chainage on a road yet")
    if kind is HazardKind.point:
        at = await point_at_chainage(session, code, start, field=start_field)
        return shapely.Point(at.lon, at.lat), {
            "road_id": at.road_id,
            "chainage_m": start,
            "end_chainage_m": None,
            **extra,
        }
    if end is None:
        raise invalid(end_field, "required: the segment has no end chainage yet")
    if end <= start:
        raise invalid(end_field, f"must lie beyond the start chainage ({format_chainage(start)})")
    # Each end on its own first, so that a refusal names the end that lies beyond the road.
    await point_at_chainage(session, code, start, field=start_field)
    await point_at_chainage(session, code, end, field=end_field)
    stretch = await stretch_between(session, code, start, end, field=start_field)
    line = shapely.from_wkt(stretch.wkt)
    return line, {"road_id": stretch.road_id, "chainage_m": start, "end_chainage_m": end, **extra}


async def _on_road(session: AsyncSession, new: repo.NewHazard, geom: shapely.Geometry) -> repo.NewHazard:
    """Record the road and chainage (桩号) of a hazard near a road, by linear referencing.

    The pin itself stays where the officer put it (a guardrail or a sign stands beside the
    carriageway, not on its centre line); only its road and chainage are derived. A segment gets
    a road when both its ends snap to the same route.
    """
    return replace(new, **await _road_columns(session, geom))


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
    props, geometry = _validate_patch(kind, hazard_id, body)

    values: dict[str, Any] = {}
    for name in props.model_fields_set - LOCATING:
        value = getattr(props, name)
        if name == "description" and value is None:
            value = ""  # merge-patch null removes the text; the column keeps '' for "none"
        values[COLUMN.get(name, name)] = value.value if isinstance(value, Enum) else value
    if "reported_at" in values:
        values["reported_at"] = beijing_if_naive(values["reported_at"])
    if "reported_at" in values or "deadline" in values:
        _check_dates(
            values.get("reported_at", current.values["reported_at"]),
            values.get("deadline", current.values["deadline"]),
            "properties",
        )
    changed = {c: v for c, v in values.items() if current.values.get(c) != v}
    if "status" in changed:
        # One state machine owns the status (app.workflow): a PATCH could skip the claim, the
        # deadline or the second person's check.
        state = Status(current.values["status"])
        can = ", ".join(workflow_machine.allowed(state)) or "none (a final state)"
        raise Conflict(
            detail=f"the status changes only through POST /api/v1/{PATH[kind]}/{hazard_id}/transitions; "
            f"actions allowed from '{state}': {can}",
            errors=[FieldError("properties.status", "change it with a transition")],
        )
    if "category_code" in changed:
        category = await repo.category(session, changed["category_code"])
        if category is None:
            raise _unknown_category(changed["category_code"])
        if not category.active:
            raise _inactive_category(category.code)

    wkb: bytes | None = None
    road: dict[str, Any] | None = None
    if props.model_fields_set & LOCATING:
        if geometry is not None:
            raise invalid("geometry", "give either a geometry or a new road/chainage, not both")
        geom, road = await _relocate(session, kind, current, props)
    elif geometry is not None:
        geom = _geometry(kind, geometry, crs)
    if (props.model_fields_set & LOCATING or geometry is not None) and not shapely.equals_exact(
        geom, shapely.from_wkb(current.wkb), tolerance=0
    ):
        wkb = shapely.to_wkb(geom, output_dimension=2)
        place = await _check_place(session, wkb)
        # The trigger derives county and township on insert only; a move re-derives them here
        # by the same rules (place.sql). The ledger number is an identifier and stays.
        check_county(principal, place.county_code, "the new position's county")
        changed["county_code"] = place.county_code
        changed["township_code"] = place.township_code
        if road is None:
            # Moved by its geometry: the road and chainage follow it (the same route first).
            road = await _road_columns(session, geom, current.road_code)
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
    return NotFound(detail=f"there is no {kind.en} with id {hazard_id} under /{PATH[kind]}")


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


# -- validation ------------------------------------------------------------------------------------
def _invalid(errors: list[FieldError]) -> InvalidInput:
    return InvalidInput(detail="; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


# geojson-pydantic tries a position as 2D, then as 3D, and reports both; one message is clearer.
_POSITION_TAGS = frozenset({"Position2D", "Position3D"})


def _pydantic_errors(exc: ValidationError, prefix: tuple[str, ...] = ()) -> list[FieldError]:
    errors: dict[str, FieldError] = {}
    for e in exc.errors(include_url=False):
        loc = (*prefix, *e["loc"])
        field, where = field_path([p for p in loc if p not in _POSITION_TAGS])
        message = str(e["msg"])
        if any(p in _POSITION_TAGS for p in loc):
            message = "a position is [longitude, latitude] in numbers (an altitude may follow)"
        if e["type"] == "extra_forbidden":
            message = (
                f"unknown property; a client may set: {', '.join(HazardCreateProperties.model_fields)}"
                if field.startswith("properties.")
                else "unknown member; a hazard Feature has type, geometry and properties"
            )
        errors.setdefault(field, FieldError(field, f"{message}{' (at ' + where + ')' if where else ''}"))
    return list(errors.values())


def _validate_new(kind: HazardKind, body: Any) -> HazardPointIn | HazardSegmentIn:
    if not isinstance(body, dict):
        raise invalid("body", f"expected a GeoJSON Feature object, got a JSON {_json_kind(body)}")
    if body.get("type") != "Feature":
        hint = "; send one Feature per request" if body.get("type") == "FeatureCollection" else ""
        raise invalid("type", f"expected a GeoJSON Feature (type 'Feature'), got {body.get('type')!r}{hint}")
    if body.get("id") is not None:
        raise invalid("id", "the server assigns the id; give properties.uid for an id of your own")
    geometry = body.get("geometry")
    _check_geometry_type(kind, geometry)
    _check_numbers(kind, geometry)
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise invalid("properties", "required: an object with at least properties.category")
    model = CREATE_MODEL[kind]
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise _invalid(_pydantic_errors(exc)) from exc


def _json_kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


def _check_geometry_type(kind: HazardKind, geometry: Any) -> None:
    expected = GEOMETRY_TYPE[kind]
    if geometry is None:
        raise invalid("geometry", f"required: a {expected} that locates the {kind.en}")
    if not isinstance(geometry, dict):
        raise invalid("geometry", f"expected a GeoJSON {expected} object")
    if geometry.get("type") != expected:
        other = next((k for k, t in GEOMETRY_TYPE.items() if t == geometry.get("type")), None)
        hint = f"; {geometry.get('type')}s are {other.en}s: send them to /{PATH[other]}" if other else ""
        raise invalid("geometry.type", f"expected {expected}, got {geometry.get('type')!r}{hint}")


def _check_numbers(kind: HazardKind, geometry: Any) -> None:
    """Coordinates are JSON numbers: pydantic would quietly read "116.1" as 116.1 (and true as 1),
    and a client that sends text has its columns mixed up somewhere; say so instead."""
    coords = geometry.get("coordinates")
    positions = [coords] if kind is HazardKind.point else coords
    if not isinstance(positions, list):
        return  # the model's own check names it
    for i, position in enumerate(positions):
        if not isinstance(position, list):
            continue
        for value in position:
            if isinstance(value, bool) or not isinstance(value, int | float):
                where = "" if kind is HazardKind.point else f"position {i}: "
                raise invalid(
                    "geometry.coordinates",
                    f"{where}{json.dumps(value, ensure_ascii=False)} is not a number; "
                    "a position is [longitude, latitude] in JSON numbers, e.g. [116.1, 36.4]",
                )


def _geometry(kind: HazardKind, geometry: dict[str, Any], crs: Crs) -> shapely.Geometry:
    """The geometry checked position by position, then converted to WGS84 for storing."""
    _check_geometry_type(kind, geometry)
    _check_numbers(kind, geometry)
    model: type[Point] | type[LineString] = Point if kind is HazardKind.point else LineString
    try:
        checked: Any = model.model_validate(geometry)
    except ValidationError as exc:
        raise _invalid(_pydantic_errors(exc, ("geometry",))) from exc
    coords = [checked.coordinates] if kind is HazardKind.point else list(checked.coordinates)
    for i, position in enumerate(coords):
        where = "" if kind is HazardKind.point else f"position {i}: "
        lon, lat = position[0], position[1]
        if not all(math.isfinite(v) for v in position):
            raise invalid("geometry.coordinates", f"{where}coordinates must be finite numbers")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise invalid(
                "geometry.coordinates",
                f"{where}[{lon}, {lat}] is not a longitude, latitude pair "
                "(longitude first, in [-180, 180]; latitude in [-90, 90])",
            )
    if kind is HazardKind.segment:
        distinct = {(round(p[0], PRECISION), round(p[1], PRECISION)) for p in coords}
        if len(distinct) < 2:
            raise invalid(
                "geometry.coordinates",
                "a segment needs at least two distinct positions (it has zero length)",
            )
    flat = [(p[0], p[1]) for p in coords]
    geom = shapely.Point(flat[0]) if kind is HazardKind.point else shapely.LineString(flat)
    if kind is HazardKind.segment and not geom.is_simple:
        raise invalid("geometry.coordinates", SELF_CROSSING)
    return to_wgs84(geom, crs)


async def _check_place(session: AsyncSession, wkb: bytes) -> repo.Place:
    settings = get_settings()
    place = await repo.place(session, wkb, settings.city_code, settings.city_border_tolerance_m)
    if place.outside_position is not None:
        km = (place.outside_m or 0) / 1000
        raise invalid(
            "geometry.coordinates",
            f"{'position ' + str(place.outside_position - 1) + ' ' if place.outside_position > 1 else ''}"
            f"lies {km:.1f} km outside the city (more than {settings.city_border_tolerance_m:.0f} m "
            "beyond its border); check the coordinates, their order (longitude first) and the crs",
        )
    if place.county_code is None:
        # Inside the city's tolerance but more than 500 m from every county (the trigger's rule),
        # or no outlines loaded at all.
        raise invalid("geometry.coordinates", "the location is in no county of the city")
    return place


def _unknown_category(code: str) -> InvalidInput:
    return invalid("properties.category", f"unknown category {code!r}; see GET /api/v1/categories")


def _inactive_category(code: str) -> InvalidInput:
    return invalid("properties.category", f"category {code} is no longer in use; pick another")


def beijing_if_naive(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=BEIJING)


def _check_dates(reported_at: datetime | None, deadline: date | None, prefix: str) -> None:
    now = datetime.now(UTC)
    if reported_at is not None and reported_at > now + CLOCK_SKEW:
        raise invalid(f"{prefix}.reported_at", "lies in the future")
    if reported_at is not None and reported_at.astimezone(BEIJING).date() < EARLIEST:
        raise invalid(f"{prefix}.reported_at", f"lies before {EARLIEST}; check the year")
    if deadline is not None and not EARLIEST <= deadline <= LATEST:
        raise invalid(f"{prefix}.deadline", f"must lie between {EARLIEST} and {LATEST}; check the year")
    reported_day = (reported_at or now).astimezone(BEIJING).date()
    if deadline is not None and deadline < reported_day:
        raise invalid(
            f"{prefix}.deadline", f"must not be before the day the hazard was reported ({reported_day})"
        )


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


_TOP_LEVEL = frozenset({"type", "id", "properties", "geometry"})


def _validate_patch(
    kind: HazardKind, hazard_id: int, body: Any
) -> tuple[HazardPatchProperties, dict[str, Any] | None]:
    """The properties to change (their model_fields_set) and the new geometry, if any."""
    if not isinstance(body, dict):
        raise invalid("body", f"expected a JSON merge patch object, got a JSON {_json_kind(body)}")
    errors: list[FieldError] = []
    for key in body:
        if key not in _TOP_LEVEL:
            errors.append(FieldError(key, "unknown member; a patch has properties and/or geometry"))
    if "type" in body and body["type"] != "Feature":
        errors.append(FieldError("type", "must be 'Feature' when given"))
    if "id" in body and body["id"] != hazard_id:
        errors.append(FieldError("id", "not editable"))
    properties = body.get("properties", {})
    if properties is None:
        errors.append(FieldError("properties", "cannot be removed"))
        properties = {}
    elif not isinstance(properties, dict):
        errors.append(FieldError("properties", "expected an object"))
        properties = {}
    editable = {}
    for name, value in properties.items():
        if name in READ_ONLY or name in CREATE_ONLY:
            hint = {
                "county": "it follows the geometry",
                "township": "it follows the geometry",
                "ledger_no": "the number is given once, at creation",
            }.get(name, "the server maintains it")
            errors.append(FieldError(f"properties.{name}", f"not editable: {hint}"))
        elif name not in HazardPatchProperties.model_fields:
            errors.append(FieldError(f"properties.{name}", "unknown property; it is not part of a hazard"))
        elif value is None and name in REQUIRED:
            errors.append(FieldError(f"properties.{name}", "cannot be removed (null); give a value"))
        else:
            editable[name] = value
    props = HazardPatchProperties()
    try:
        props = HazardPatchProperties.model_validate(editable)
    except ValidationError as exc:
        errors.extend(_pydantic_errors(exc, ("properties",)))
    geometry = None
    if "geometry" in body:
        patch = body["geometry"]
        if patch is None:
            errors.append(FieldError("geometry", f"cannot be removed: a {kind.en} needs a location"))
        elif not isinstance(patch, dict):
            errors.append(FieldError("geometry", f"expected a GeoJSON {GEOMETRY_TYPE[kind]} object"))
        else:
            # RFC 7396: an object patches the object it replaces, so "type" may be left out.
            geometry = {"type": GEOMETRY_TYPE[kind], **patch}
    if errors:
        raise _invalid(errors)
    return props, geometry
