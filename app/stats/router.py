from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.deps import BBox, Session
from app.openapi import KNOWN_CODES, listing, rule
from app.stats import service
from app.stats.schemas import Grid, Stats
from app.stats.service import MAX_CELL_DEG, MAX_CELLS, MIN_CELL_DEG
from app.vocab import Grade, RoadGroup, Status, Visibility

router = APIRouter(tags=["stats"])

_JSON = "application/json"


@router.get(
    "/stats",
    summary="Ledger counts per county and for the city",
    response_model=None,
    responses={200: {"model": Stats, "content": {_JSON: {}}}},
)
async def get_stats(
    session: Session,
    weeks: Annotated[
        int, Query(description="how many ISO weeks the weekly series covers (Beijing time), the current last")
    ] = service.WEEKS_DEFAULT,
) -> Response:
    """发现/未销号/已销号/不予认定, 整改率, 超期, 挂牌督办 per county and development zone and for the whole
    city, with the same counts per road group, per grade and per category, and a weekly series (found,
    closed, open and overdue at each week's end). What the county maps' counts panels and the wall
    display show."""
    body = await service.summary(session, weeks)
    return Response(body, media_type=_JSON, headers={"Cache-Control": "no-store"})


@router.get(
    "/stats/grid",
    summary="Hazards counted per grid cell of a viewport (maps at low zoom)",
    response_model=None,
    responses={200: {"model": Grid, "content": {_JSON: {}}}},
)
async def get_grid(
    session: Session,
    bbox: BBox,
    cell: Annotated[
        float,
        Query(
            ge=MIN_CELL_DEG,
            le=MAX_CELL_DEG,
            description="cell size in degrees (about 60 px of the map)",
            json_schema_extra=rule(f"At most {MAX_CELLS} cells over the bbox; the bbox is required."),
        ),
    ] = 0.01,
    county: Annotated[str | None, Query(max_length=16, json_schema_extra=KNOWN_CODES)] = None,
    status: Annotated[
        list[str] | None,
        Query(json_schema_extra=listing(Status.codes()), description="repeat or comma list"),
    ] = None,
    category: Annotated[
        list[str] | None, Query(description="category codes, e.g. XL01", json_schema_extra=KNOWN_CODES)
    ] = None,
    visibility: Annotated[Visibility | None, Query(description="explicit or implicit")] = None,
    grade: Annotated[
        list[str] | None,
        Query(
            json_schema_extra=listing(Grade.codes()),
        ),
    ] = None,
    road_group: Annotated[
        list[str] | None,
        Query(
            json_schema_extra=listing([*RoadGroup.codes(), "none"]),
            description="expressway, trunk, county_township, rural, and none for hazards on no known road",
        ),
    ] = None,
) -> Response:
    where = service.grid_filter(
        county=county,
        status=status,
        category=category,
        visibility=visibility.value if visibility else None,
        grade=grade,
        road_group=road_group,
    )
    return Response(await service.grid(session, bbox, cell, where), media_type=_JSON)
