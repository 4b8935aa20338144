"""/api/v1/roads: roads by layer, class, code and box, as GeoJSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app.deps import BBox, Page, Session
from app.geojson import GEOJSON, GeoJSONResponse, codes, collection, enum_values, paging_links
from app.openapi import NO_NUL, listing, problems
from app.roads import service
from app.roads.schemas import RoadCollection, RoadFeature, RoadFilter
from app.vocab import RoadClass, RoadGroup

router = APIRouter(prefix="/roads", tags=["roads (道路)"])

Csv = "One or several: repeat the parameter or separate values with commas."


@router.get(
    "",
    response_model=RoadCollection,
    response_class=GeoJSONResponse,
    summary="List roads",
    responses=problems(422),
)
async def list_roads(
    request: Request,
    session: Session,
    bbox: BBox,
    page: Page,
    road_group: Annotated[
        list[str] | None,
        Query(
            json_schema_extra=listing(RoadGroup.codes()),
            description=f"The map layer: {', '.join(RoadGroup.codes())}. {Csv}",
        ),
    ] = None,
    road_class: Annotated[
        list[str] | None,
        Query(
            json_schema_extra=listing(RoadClass.codes()),
            alias="class",
            description=f"{', '.join(RoadClass.codes())}. {Csv}",
        ),
    ] = None,
    code: Annotated[
        list[str] | None, Query(description=f"Route code, e.g. G309. {Csv}", json_schema_extra=NO_NUL)
    ] = None,
) -> Response:
    """A GeoJSON FeatureCollection of roads (pieces of routes), ordered by id."""
    f = RoadFilter(
        bbox=bbox,
        road_group=enum_values("road_group", road_group, RoadGroup),
        road_class=enum_values("class", road_class, RoadClass),
        code=codes(code, "code"),
    )
    result = await service.list_features(session, f, page)
    links = paging_links(request, page, result.matched, result.returned)
    body = collection(result.features, matched=result.matched, returned=result.returned, links=links)
    return Response(body, media_type=GEOJSON)


@router.get(
    "/{id}",
    response_model=RoadFeature,
    response_class=GeoJSONResponse,
    summary="One road",
    responses=problems(404, 422),
)
async def get_road(
    session: Session, road_id: Annotated[int, Path(alias="id", ge=1, le=2**63 - 1)]
) -> Response:
    return Response(await service.one_feature(session, road_id), media_type=GEOJSON)
