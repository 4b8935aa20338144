"""What a hazard request may say, checked without a database: the Feature, its geometry, dates, the patch.

Pure functions over the parsed JSON: each refusal names the field (``app.errors.invalid``). The
checks that need the database (the city, the road, the category) are in ``placement`` and the
services; the unit tests of this module run without one.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import shapely
from geojson_pydantic import LineString, Point
from pydantic import ValidationError

from app.clock import day_of
from app.coords import Crs, to_wgs84
from app.errors import FieldError, InvalidInput, invalid
from app.hazards.schemas import (
    CREATE_ONLY,
    READ_ONLY,
    REQUIRED,
    HazardCreateProperties,
    HazardPatchProperties,
    HazardPointIn,
    HazardSegmentIn,
)
from app.http import field_path
from app.paths import collection_of
from app.vocab import HazardKind

# Clocks of phones in the field drift; a report "from the future" beyond this is a mistake.
CLOCK_SKEW = timedelta(minutes=10)
# Dates outside these are typing mistakes (and the ledger number has a four-digit year).
EARLIEST = date(1980, 1, 1)
LATEST = date(2199, 12, 31)
# Output rounds coordinates to 7 decimals (about 1 cm); positions equal at that precision are one.
PRECISION = 7

GEOMETRY_TYPE = {HazardKind.point: "Point", HazardKind.segment: "LineString"}
CREATE_MODEL: dict[HazardKind, type[HazardPointIn] | type[HazardSegmentIn]] = {
    HazardKind.point: HazardPointIn,
    HazardKind.segment: HazardSegmentIn,
}
# Property names on the wire → columns.
COLUMN = {"category": "category_code"}
PROPERTY = {v: k for k, v in COLUMN.items()}
SELF_CROSSING = "the line crosses or touches itself; a segment is one stretch of road, drawn once"


def invalid_all(errors: list[FieldError]) -> InvalidInput:
    """One 422 naming every field in ``errors``."""
    return InvalidInput(detail="; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


# geojson-pydantic tries a position as 2D, then as 3D, and reports both; one message is clearer.
_POSITION_TAGS = frozenset({"Position2D", "Position3D"})


def pydantic_errors(exc: ValidationError, prefix: tuple[str, ...] = ()) -> list[FieldError]:
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


def validate_new(kind: HazardKind, body: Any) -> HazardPointIn | HazardSegmentIn:
    if not isinstance(body, dict):
        raise invalid("body", f"expected a GeoJSON Feature object, got a JSON {json_kind(body)}")
    if body.get("type") != "Feature":
        hint = "; send one Feature per request" if body.get("type") == "FeatureCollection" else ""
        raise invalid("type", f"expected a GeoJSON Feature (type 'Feature'), got {body.get('type')!r}{hint}")
    if body.get("id") is not None:
        raise invalid("id", "the server assigns the id; give properties.uid for an id of your own")
    geometry = body.get("geometry")
    check_geometry_type(kind, geometry)
    check_numbers(kind, geometry)
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise invalid("properties", "required: an object with at least properties.category")
    model = CREATE_MODEL[kind]
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise invalid_all(pydantic_errors(exc)) from exc


def json_kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


def check_geometry_type(kind: HazardKind, geometry: Any) -> None:
    expected = GEOMETRY_TYPE[kind]
    if geometry is None:
        raise invalid("geometry", f"required: a {expected} that locates the {kind.en}")
    if not isinstance(geometry, dict):
        raise invalid("geometry", f"expected a GeoJSON {expected} object")
    if geometry.get("type") != expected:
        other = next((k for k, t in GEOMETRY_TYPE.items() if t == geometry.get("type")), None)
        hint = (
            f"; {geometry.get('type')}s are {other.en}s: send them to /{collection_of(other)}"
            if other
            else ""
        )
        raise invalid("geometry.type", f"expected {expected}, got {geometry.get('type')!r}{hint}")


def check_numbers(kind: HazardKind, geometry: Any) -> None:
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


def to_geometry(kind: HazardKind, geometry: dict[str, Any], crs: Crs) -> shapely.Geometry:
    """The geometry checked position by position, then converted to WGS84 for storing."""
    check_geometry_type(kind, geometry)
    check_numbers(kind, geometry)
    model: type[Point] | type[LineString] = Point if kind is HazardKind.point else LineString
    try:
        checked: Any = model.model_validate(geometry)
    except ValidationError as exc:
        raise invalid_all(pydantic_errors(exc, ("geometry",))) from exc
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


def unknown_category(code: str) -> InvalidInput:
    return invalid("properties.category", f"unknown category {code!r}; see GET /api/v1/categories")


def inactive_category(code: str) -> InvalidInput:
    return invalid("properties.category", f"category {code} is no longer in use; pick another")


def check_dates(reported_at: datetime | None, deadline: date | None, prefix: str) -> None:
    now = datetime.now(UTC)
    if reported_at is not None and reported_at > now + CLOCK_SKEW:
        raise invalid(f"{prefix}.reported_at", "lies in the future")
    if reported_at is not None and day_of(reported_at) < EARLIEST:
        raise invalid(f"{prefix}.reported_at", f"lies before {EARLIEST}; check the year")
    if deadline is not None and not EARLIEST <= deadline <= LATEST:
        raise invalid(f"{prefix}.deadline", f"must lie between {EARLIEST} and {LATEST}; check the year")
    reported_day = day_of(reported_at or now)
    if deadline is not None and deadline < reported_day:
        raise invalid(
            f"{prefix}.deadline", f"must not be before the day the hazard was reported ({reported_day})"
        )


_TOP_LEVEL = frozenset({"type", "id", "properties", "geometry"})


def validate_patch(
    kind: HazardKind, hazard_id: int, body: Any
) -> tuple[HazardPatchProperties, dict[str, Any] | None]:
    """The properties to change (their model_fields_set) and the new geometry, if any."""
    if not isinstance(body, dict):
        raise invalid("body", f"expected a JSON merge patch object, got a JSON {json_kind(body)}")
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
        errors.extend(pydantic_errors(exc, ("properties",)))
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
        raise invalid_all(errors)
    return props, geometry
