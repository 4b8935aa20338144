"""/api/v1/hazards (points, 隐患点) and /api/v1/segments (accident-prone segments, 事故易发多发路段).

One table, two collections: the two routers are made by one function and differ only in the
kind of hazard and its geometry type. The handlers are thin; the rules are in the service.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from app.accounts.permissions import Permission, Principal, require
from app.clock import beijing_if_naive, day_end, day_start
from app.coords import Crs
from app.deps import BBox, CrsParam, Page, Session
from app.errors import invalid
from app.geojson import (
    GEOJSON,
    GeoJSONResponse,
    codes,
    collection,
    enum_values,
    feature_response,
    paging_links,
    split_values,
)
from app.hazards import service
from app.hazards.schemas import (
    PLACE_RULES,
    HazardFilter,
    HazardHistory,
    HazardPatch,
    HazardPointCollection,
    HazardPointFeature,
    HazardSegmentCollection,
    HazardSegmentFeature,
)
from app.http import MERGE_PATCH_TYPES, Day, Instant, none_match, read_json_body
from app.openapi import KNOWN_CODES, listing, problems, request_body
from app.paths import collection_of
from app.vocab import OPEN_STATUSES, Grade, HazardKind, RoadGroup, Status, Visibility

__all__ = ["make_router", "router", "segments_router"]

Csv = "One or several: repeat the parameter or separate values with commas."


# What the filters' shorthands stand for: `open` is every open status; `none` the hazards on no known road.
OPEN = "open"
NO_ROAD = "none"


def _with_shorthand(field: str, values: list[str] | None, known: list[str], shorthand: str) -> list[str]:
    wanted = split_values(values)
    unknown = [v for v in wanted if v not in known and v != shorthand]
    if unknown:
        choices = ", ".join([shorthand, *known] if shorthand == OPEN else [*known, shorthand])
        raise invalid(field, f"unknown value {', '.join(map(repr, unknown))}; expected one of: {choices}")
    return wanted


def _statuses(values: list[str] | None) -> list[str] | None:
    wanted = _with_shorthand("status", values, Status.codes(), OPEN)
    expanded = [s.value for s in OPEN_STATUSES] if OPEN in wanted else []
    return list(dict.fromkeys([*expanded, *(v for v in wanted if v != OPEN)])) or None


def _road_groups(values: list[str] | None) -> list[str] | None:
    return _with_shorthand("road_group", values, RoadGroup.codes(), NO_ROAD) or None


def _day(value: date | None, end: bool) -> datetime | None:
    if value is None:
        return None
    return day_end(value) if end else day_start(value)


def _filters(
    bbox: BBox,
    county: Annotated[
        list[str] | None,
        Query(
            description=f"County code (adcode), e.g. 371502. {Csv}",
            examples=["371502"],
            json_schema_extra=KNOWN_CODES,
        ),
    ] = None,
    township: Annotated[
        list[str] | None, Query(description=f"Township code (9 digits). {Csv}", json_schema_extra=KNOWN_CODES)
    ] = None,
    status: Annotated[
        list[str] | None,
        Query(
            json_schema_extra=listing([*Status.codes(), "open"]),
            description=f"{', '.join(Status.codes())}; `open` for every open status. {Csv}",
            examples=["reported,claimed"],
        ),
    ] = None,
    road_group: Annotated[
        list[str] | None,
        Query(
            json_schema_extra=listing([*RoadGroup.codes(), "none"]),
            description=f"The road layer, via the hazard's road: {', '.join(RoadGroup.codes())}; "
            f"`none` for hazards on no known road. {Csv}",
        ),
    ] = None,
    road: Annotated[
        list[str] | None, Query(description=f"Road code, e.g. G309. {Csv}", json_schema_extra=KNOWN_CODES)
    ] = None,
    category: Annotated[
        list[str] | None, Query(description=f"Category code, e.g. XL01. {Csv}", json_schema_extra=KNOWN_CODES)
    ] = None,
    visibility: Annotated[
        list[str] | None,
        Query(
            json_schema_extra=listing(Visibility.codes()),
            description=f"{', '.join(Visibility.codes())}. {Csv}",
        ),
    ] = None,
    grade: Annotated[
        list[str] | None,
        Query(json_schema_extra=listing(Grade.codes()), description=f"{', '.join(Grade.codes())}. {Csv}"),
    ] = None,
    updated_since: Annotated[
        Instant | None,
        Query(
            description="Changed at or after this instant (ISO 8601; without an offset, Beijing time).",
            examples=["2026-03-01T00:00:00+08:00"],
        ),
    ] = None,
    reported_from: Annotated[
        Day | None,
        Query(description="Reported on or after this day (Beijing), YYYY-MM-DD.", examples=["2026-01-01"]),
    ] = None,
    reported_to: Annotated[
        Day | None,
        Query(description="Reported on or before this day (Beijing), YYYY-MM-DD.", examples=["2026-06-30"]),
    ] = None,
    overdue: Annotated[
        bool | None,
        Query(
            description="true: open, and past its 整改时限 (Beijing day) or not claimed within "
            "HAZARDMAP_CLAIM_WITHIN_DAYS of its report; false: not overdue."
        ),
    ] = None,
    supervised: Annotated[
        bool | None, Query(description="true: under listed supervision (挂牌督办); false: not.")
    ] = None,
) -> HazardFilter:
    if reported_from and reported_to and reported_from > reported_to:
        raise invalid("reported_to", f"{reported_to} lies before reported_from {reported_from}")
    return HazardFilter(
        county=codes(county, "county"),
        township=codes(township, "township"),
        status=_statuses(status),
        road_group=_road_groups(road_group),
        road=codes(road, "road"),
        category=codes(category, "category"),
        visibility=enum_values("visibility", visibility, Visibility),
        grade=enum_values("grade", grade, Grade),
        bbox=bbox,
        updated_since=beijing_if_naive(updated_since),
        reported_from=_day(reported_from, end=False),
        reported_to=_day(reported_to, end=True),
        overdue=overdue,
        supervised=supervised,
    )


Filters = Annotated[HazardFilter, Depends(_filters)]
HazardId = Annotated[int, Path(alias="id", ge=1, le=2**63 - 1, description="The hazard's id.")]
IfMatch = Annotated[str | None, Header(description='The ETag the change is made from, e.g. "3". Required.')]


_PATCH_EXAMPLE = {"properties": {"status": "claimed", "grade": "significant", "deadline": "2026-06-30"}}


# Change, delete: a county officer within their counties (checked in the service), or an admin.
Writer = Annotated[Principal, Depends(require(Permission.hazard_write))]


def make_router(kind: HazardKind) -> APIRouter:
    name = collection_of(kind)
    is_point = kind is HazardKind.point
    collection_model = HazardPointCollection if is_point else HazardSegmentCollection
    feature_model = HazardPointFeature if is_point else HazardSegmentFeature
    router = APIRouter(prefix=f"/{name}", tags=[f"{name} ({kind.zh})"])

    @router.get(
        "",
        response_model=collection_model,
        response_class=GeoJSONResponse,
        summary=f"List {kind.en}s",
        responses=problems(422),
    )
    async def list_features(request: Request, session: Session, filters: Filters, page: Page) -> Response:
        """A GeoJSON FeatureCollection, ordered by id, without deleted rows.

        Filters combine with AND; the values of one filter with OR. `links` carry `next`/`prev`
        with the same filters.
        """
        result = await service.list_features(session, kind, filters, page)
        links = paging_links(request, page, result.matched, result.returned)
        body = collection(result.features, matched=result.matched, returned=result.returned, links=links)
        return Response(body, media_type=GEOJSON)

    @router.get(
        "/{id}",
        response_model=feature_model,
        response_class=GeoJSONResponse,
        summary=f"One {kind.en}",
        responses={304: {"description": "Not modified (If-None-Match)."}, **problems(404, 410, 422)},
    )
    async def get_feature(
        session: Session,
        hazard_id: HazardId,
        if_none_match: Annotated[str | None, Header(description="An ETag; 304 if still current.")] = None,
    ) -> Response:
        """The Feature, with `ETag: "<version>"`."""
        written = await service.get_feature(session, kind, hazard_id)
        if none_match(if_none_match, written.version):
            return Response(status_code=304, headers={"ETag": written.etag})
        return feature_response(written.feature, written.etag)

    @router.patch(
        "/{id}",
        response_model=feature_model,
        response_class=GeoJSONResponse,
        summary=f"Change a {kind.en}",
        responses=problems(400, 404, 410, 412, 413, 415, 422, 428),
        openapi_extra=request_body(HazardPatch, MERGE_PATCH_TYPES, _PATCH_EXAMPLE, PLACE_RULES),
    )
    async def patch(
        request: Request,
        session: Session,
        principal: Writer,
        hazard_id: HazardId,
        if_match: IfMatch = None,
        crs: CrsParam = Crs.wgs84,
    ) -> Response:
        """A JSON merge patch (RFC 7396) of the properties and/or the geometry; `null` clears.

        Requires `If-Match`. A new geometry re-assigns county and township (not the ledger number)
        and derives the road and chainage (桩号) again. `road`, `chainage` (K516+600-K517+200),
        `chainage_m` or `end_chainage_m` instead cut the geometry from the road again (a point is put
        on the road); a chainage the road does not reach is a 422 naming the field.
        """
        body = await read_json_body(request, MERGE_PATCH_TYPES)
        written = await service.patch(session, kind, hazard_id, body, crs, if_match, principal)
        return feature_response(written.feature, written.etag)

    @router.delete(
        "/{id}",
        status_code=204,
        summary=f"Delete a {kind.en}",
        responses=problems(400, 404, 410, 412, 428),
    )
    async def delete(
        session: Session, principal: Writer, hazard_id: HazardId, if_match: IfMatch = None
    ) -> Response:
        """A soft delete: the row leaves lists and maps; it and its history stay. Requires `If-Match`."""
        await service.delete(session, kind, hazard_id, if_match, principal)
        return Response(status_code=204)

    @router.get(
        "/{id}/history",
        response_model=HazardHistory,
        summary=f"The history of a {kind.en}",
        responses=problems(401, 403, 404, 422),
        dependencies=[Depends(require(Permission.read_internal))],
    )
    async def history(session: Session, hazard_id: HazardId) -> Response:
        """Every create, change and delete (履历), oldest first; also for a deleted hazard."""
        return Response(await service.history(session, kind, hazard_id), media_type="application/json")

    return router


router = make_router(HazardKind.point)
segments_router = make_router(HazardKind.segment)
