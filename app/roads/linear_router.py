"""/api/v1/roads/locate and /api/v1/roads/snap: road + chainage (桩号) ↔ a place on the map."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.deps import Session
from app.errors import invalid
from app.geojson import GEOJSON
from app.openapi import media, problems, rules
from app.roads import linear
from app.roads.chainage import parse_chainage
from app.roads.heading import direction_in_text

_IN_CITY = "Inside the city (within its border tolerance)."
router = APIRouter(prefix="/roads", tags=["roads (道路)"])


def _feature(geometry: dict[str, Any] | str, properties: dict[str, Any]) -> Response:
    # A geometry PostGIS already wrote (text) goes in as it is.
    geom = geometry if isinstance(geometry, str) else json.dumps(geometry)
    props = json.dumps(properties, ensure_ascii=False)
    return Response(f'{{"type":"Feature","geometry":{geom},"properties":{props}}}', media_type=GEOJSON)


@router.get(
    "/locate",
    summary="A place from road code + chainage (桩号)",
    responses={**media(GEOJSON), **problems(404, 422)},
    openapi_extra=rules(
        road="Required unless the chainage names it; the same road as the chainage's.",
        chainage="A chainage the road reaches (K516+600, or a range).",
    ),
)
async def locate(
    session: Session,
    chainage: Annotated[
        str,
        Query(
            description="A chainage (K516+600), or a range for a stretch (K516+600-K517+200); "
            "also 516KM+600M, 312国道2155公里+700米, 77公里加800米, with or without the road code.",
            examples=["K516+600", "K516+600-K517+200"],
            max_length=100,
        ),
    ],
    road: Annotated[
        str | None,
        Query(description="Route code, e.g. G309 (may instead lead the chainage)", max_length=16),
    ] = None,
) -> Response:
    """A Point Feature for a chainage, a LineString Feature for a range (cut from the road)."""
    parsed = parse_chainage(chainage)
    if road and parsed.road_code and linear.normalise_code(road) != parsed.road_code:
        raise invalid("chainage", f"names road {parsed.road_code}, but road={road.strip().upper()}")
    code = road or parsed.road_code
    if not code:
        raise invalid("road", "missing: give road=G309, or put the code before the chainage")
    carriageway = parsed.carriageway.value if parsed.carriageway else None
    # The direction of travel the text gave (上行, 下行, 双向, or a heading such as 北向南).
    direction = await direction_in_text(session, parsed, code, "chainage")
    if parsed.end_m is None:
        p = await linear.point_at_chainage(session, code, parsed.start_m)
        return _feature(
            {"type": "Point", "coordinates": [p.lon, p.lat]},
            {
                "road_id": p.road_id,
                "road_code": p.road_code,
                "road_name": p.road_name,
                "chainage_m": p.chainage_m,
                "chainage": p.chainage,
                "carriageway": carriageway,
                "direction": direction,
            },
        )
    s = await linear.stretch_between(session, code, parsed.start_m, parsed.end_m)
    return _feature(
        s.geojson,
        {
            "road_id": s.road_id,
            "road_ids": s.road_ids,
            "road_code": s.road_code,
            "road_name": s.road_name,
            "start_chainage_m": s.start_m,
            "end_chainage_m": s.end_m,
            "chainage": s.chainage,
            "length_m": round(s.length_m, 1),
            "carriageway": carriageway,
            "direction": direction,
        },
    )


@router.get(
    "/snap",
    summary="The road and chainage nearest to a pin",
    responses={**media(GEOJSON), **problems(422)},
    openapi_extra=rules(
        lon="Inside the city (within its border tolerance).",
        lat="Inside the city (within its border tolerance).",
    ),
)
async def snap(
    session: Session,
    lon: Annotated[float, Query(ge=-180, le=180, description="WGS84 longitude")],
    lat: Annotated[float, Query(ge=-90, le=90, description="WGS84 latitude")],
    max_distance_m: Annotated[
        float | None,
        Query(gt=0, le=10_000, description="Snap within this distance (default: the setting, 50 m)"),
    ] = None,
) -> Response:
    """A Point Feature: the point on the road when snapped, else the pin itself.

    ``properties.snapped`` says which; ``message`` says it in words ("not snapped: nearest road
    is 812 m away"), and the nearest road is named either way.
    """
    await linear.check_in_city(session, lon, lat)
    result = await linear.snap_to_road(session, lon, lat, max_distance_m)
    near = result.nearest
    at = result.position
    props: dict[str, Any] = {
        "snapped": result.snapped,
        "message": result.message,
        "max_distance_m": result.max_distance_m,
        "distance_m": round(near.distance_m, 2) if near else None,
        "road_id": at.road_id if at else None,
        "road_code": at.road_code if at else None,
        "road_name": at.road_name if at else None,
        "chainage_m": at.chainage_m if at else None,
        "chainage": at.chainage if at else None,
        "nearest_road_code": near.road_code if near else None,
    }
    coordinates = [at.lon, at.lat] if at else [lon, lat]
    return _feature({"type": "Point", "coordinates": coordinates}, props)
