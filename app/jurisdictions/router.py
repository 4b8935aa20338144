"""/api/v1/jurisdictions: the city, its counties and development zones, townships — as GeoJSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app.deps import Session
from app.geojson import GEOJSON, GeoJSONResponse, collection, enum_values, public_url
from app.jurisdictions import service
from app.jurisdictions.schemas import GeometryChoice, JurisdictionCollection, JurisdictionFeature
from app.openapi import KNOWN_CODES, listing, problems
from app.vocab import JurisdictionLevel

router = APIRouter(prefix="/jurisdictions", tags=["jurisdictions (辖区)"])

GeometryParam = Annotated[
    GeometryChoice,
    Query(
        description="outline (MultiPolygon; null where none is published, e.g. townships), "
        "centre (the seat, else a point inside the outline), or none."
    ),
]
SimplifyParam = Annotated[
    float | None,
    Query(
        gt=0,
        le=10_000,
        description="Simplify outlines to this tolerance in metres (ST_SimplifyPreserveTopology in "
        "EPSG:4548, CGCS2000 Gauss-Kruger CM 117E). Each outline is simplified on its own, so "
        "neighbours may no longer share their border exactly: fine for an overview map (50–200 m), "
        "not for deciding which side of a border a point lies on.",
        examples=[100],
    ),
]


@router.get(
    "",
    response_model=JurisdictionCollection,
    response_class=GeoJSONResponse,
    summary="List jurisdictions",
    responses=problems(422),
)
async def list_jurisdictions(
    request: Request,
    session: Session,
    level: Annotated[
        list[str] | None,
        Query(
            json_schema_extra=listing(JurisdictionLevel.codes()),
            description=f"{', '.join(JurisdictionLevel.codes())}; one or several (repeat or commas).",
        ),
    ] = None,
    parent: Annotated[
        str | None, Query(description="The parent's code, e.g. 371502.", json_schema_extra=KNOWN_CODES)
    ] = None,
    geometry: GeometryParam = GeometryChoice.outline,
    simplify: SimplifyParam = None,
) -> Response:
    """A GeoJSON FeatureCollection of jurisdictions, by code."""
    levels = enum_values("level", level, JurisdictionLevel)
    result = await service.list_features(
        session, levels=levels, parent=parent, geometry=geometry, simplify=simplify
    )
    links = [{"href": public_url(request), "rel": "self", "type": GEOJSON}]
    body = collection(result.features, matched=result.matched, returned=result.matched, links=links)
    return Response(body, media_type=GEOJSON)


@router.get(
    "/{code}",
    response_model=JurisdictionFeature,
    response_class=GeoJSONResponse,
    summary="One jurisdiction",
    responses=problems(404, 422),
)
async def get_jurisdiction(
    session: Session,
    code: Annotated[str, Path(max_length=16, description="adcode or internal code.")],
    geometry: GeometryParam = GeometryChoice.outline,
    simplify: SimplifyParam = None,
) -> Response:
    feature = await service.one_feature(session, code, geometry=geometry, simplify=simplify)
    return Response(feature, media_type=GEOJSON)
