"""/api/v1/hazards (points, 隐患点) and /api/v1/segments (accident-prone segments, 事故易发多发路段).

One table, two collections: the two routers are made by one function and differ only in the
kind of hazard and its geometry type. The handlers are thin; the rules are in the service.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response

from app.accounts.dependencies import require
from app.accounts.permissions import Permission, Principal
from app.coords import Crs
from app.deps import CrsParam, Page, ReadSession, Session
from app.geojson import (
    GEOJSON,
    GeoJSONResponse,
    collection,
    feature_response,
    paging_links,
)
from app.hazards import service
from app.hazards.params import Filters, HazardId, IfMatch
from app.hazards.schemas import (
    PLACE_RULES,
    HazardHistory,
    HazardPatch,
    HazardPointCollection,
    HazardPointFeature,
    HazardSegmentCollection,
    HazardSegmentFeature,
)
from app.http import MERGE_PATCH_TYPES, none_match, read_json_body
from app.openapi import problems, request_body
from app.paths import collection_of
from app.vocab import HazardKind

__all__ = ["make_router", "router", "segments_router"]


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
    async def list_features(request: Request, session: ReadSession, filters: Filters, page: Page) -> Response:
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
