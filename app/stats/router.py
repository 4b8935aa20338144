from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.deps import ReadSession
from app.hazards import service as hazard_service
from app.hazards.params import Filters
from app.openapi import rule
from app.stats import service
from app.stats.schemas import Grid, Stats
from app.stats.service import MAX_CELL_DEG, MAX_CELLS, MIN_CELL_DEG

router = APIRouter(tags=["stats"])

_JSON = "application/json"


@router.get(
    "/stats",
    summary="Ledger counts per county and for the city",
    response_model=None,
    responses={200: {"model": Stats, "content": {_JSON: {}}}},
)
async def get_stats(
    session: ReadSession,
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
    session: ReadSession,
    filters: Filters,
    cell: Annotated[
        float,
        Query(
            ge=MIN_CELL_DEG,
            le=MAX_CELL_DEG,
            description="cell size in degrees (about 60 px of the map)",
            json_schema_extra=rule(f"At most {MAX_CELLS} cells over the bbox; the bbox is required."),
        ),
    ] = 0.01,
) -> Response:
    """The filters of the hazard list (bbox required: the viewport); points and segments together,
    a segment at its midpoint. Each cell counts open, closed, rejected, overdue and supervised."""
    await hazard_service.check_codes(session, filters)
    return Response(await service.grid(session, cell, filters), media_type=_JSON)
