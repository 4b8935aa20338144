"""POST /api/v1/hazards and /api/v1/segments: record a new hazard (``app.intake.service``).

The other operations on the two collections are in ``app.hazards.router``; the routers are made
per kind by one function, like theirs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.accounts.dependencies import require
from app.accounts.permissions import Permission, Principal
from app.coords import Crs
from app.deps import CrsParam, Session
from app.geojson import GeoJSONResponse, feature_response
from app.hazards.schemas import (
    PLACE_RULES,
    POINT_EXAMPLE,
    SEGMENT_EXAMPLE,
    HazardPointFeature,
    HazardPointIn,
    HazardSegmentFeature,
    HazardSegmentIn,
)
from app.hazards.validation import GEOMETRY_TYPE
from app.http import JSON_TYPES, read_json_body
from app.intake import service
from app.openapi import problems, request_body
from app.paths import collection_of
from app.vocab import HazardKind

__all__ = ["make_router", "router", "segments_router"]

# A county officer within their counties (checked in the service), or an admin.
Writer = Annotated[Principal, Depends(require(Permission.hazard_write))]


def make_router(kind: HazardKind) -> APIRouter:
    name = collection_of(kind)
    is_point = kind is HazardKind.point
    feature_model = HazardPointFeature if is_point else HazardSegmentFeature
    new_model = HazardPointIn if is_point else HazardSegmentIn
    geometry = GEOMETRY_TYPE[kind]
    router = APIRouter(prefix=f"/{name}", tags=[f"{name} ({kind.zh})"])

    @router.post(
        "",
        status_code=201,
        response_model=feature_model,
        response_class=GeoJSONResponse,
        summary=f"Record a new {kind.en}",
        description=f"A GeoJSON Feature with a {geometry}. The server assigns county, township and "
        "ledger number, and refuses a location outside the city.\n\n201 with `Location` and `ETag`; "
        "200 when `properties.uid` was already used for the same content (a retry).\n\n"
        "409 with `duplicates` (id, ledger_no, status, distance_m, chainage, link) when an open hazard "
        "of the same category lies within `HAZARDMAP_DUPLICATE_DISTANCE_M` (30 m) on the same road "
        "(for a segment: also one whose chainage overlaps); nothing is written. Send it again with "
        "`on_duplicate=create` (another hazard) or `on_duplicate=merge&duplicate_of=<id>` (recorded, "
        "then moved to `duplicate` of that hazard by the workflow).",
        responses={
            200: {"description": "Already created with this uid (a retry): the hazard as it is."},
            **problems(400, 409, 410, 413, 415, 422),
        },
        openapi_extra=request_body(
            new_model, JSON_TYPES, POINT_EXAMPLE if is_point else SEGMENT_EXAMPLE, PLACE_RULES
        ),
    )
    async def create(
        request: Request,
        session: Session,
        principal: Writer,
        crs: CrsParam = Crs.wgs84,
        on_duplicate: Annotated[
            service.OnDuplicate | None,
            Query(
                description="After a 409 listing possible duplicates: `create` records it anyway, "
                "`merge` records it as a duplicate of `duplicate_of`."
            ),
        ] = None,
        duplicate_of: Annotated[
            int | None,
            Query(ge=1, le=2**63 - 1, description="With on_duplicate=merge: the id of the hazard kept."),
        ] = None,
    ) -> Response:
        body = await read_json_body(request, JSON_TYPES)
        written = await service.create(session, kind, body, crs, principal, on_duplicate, duplicate_of)
        status = 201 if written.created else 200
        return feature_response(written.feature, written.etag, status, f"{request.url.path}/{written.id}")

    return router


router = make_router(HazardKind.point)
segments_router = make_router(HazardKind.segment)
