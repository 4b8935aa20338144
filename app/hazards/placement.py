"""Where a hazard lies on the road network: its geometry cut from a road by 桩号, its road and
桩号 derived from its geometry, and the city, county and township it lies in.

The rules that need the database (linear referencing, the outlines); the checks of the request
itself are in ``validation``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import shapely
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import invalid
from app.hazards import repository as repo
from app.hazards.schemas import HazardPatchProperties
from app.roads.chainage import format_chainage, parse_chainage
from app.roads.heading import direction_in_text
from app.roads.linear import point_at_chainage, snap_to_road, stretch_between
from app.settings import get_settings
from app.vocab import Direction, HazardKind


async def locate_by_chainage(
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


async def road_columns(
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


async def relocate(
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


async def derive_road(session: AsyncSession, new: repo.NewHazard, geom: shapely.Geometry) -> repo.NewHazard:
    """Record the road and chainage (桩号) of a hazard near a road, by linear referencing.

    The pin itself stays where the officer put it (a guardrail or a sign stands beside the
    carriageway, not on its centre line); only its road and chainage are derived. A segment gets
    a road when both its ends snap to the same route.
    """
    return replace(new, **await road_columns(session, geom))


async def check_place(session: AsyncSession, wkb: bytes) -> repo.Place:
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
