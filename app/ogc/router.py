"""/ogc: OGC API – Features Part 1 over the ledger (hazards, segments) and the reference layers
(roads, jurisdictions), for other agencies' GIS (QGIS, ArcGIS, GDAL's OAPIF driver).

The items are the ledger API's own features (PostGIS builds them; the same filters apply), in
pages with numberMatched/numberReturned and next/prev links. Declared conformance: core and
geojson. Not declared: html (no HTML answers yet) and oas30 (FastAPI writes OpenAPI 3.1, which
is linked as the service description all the same).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from app.deps import BBox, Paging, Session
from app.errors import NotFound
from app.geojson import GEOJSON, codes, collection, enum_values, paging_links, public_url
from app.hazards import service as hazards
from app.hazards.router import Filters
from app.jurisdictions import service as jurisdictions
from app.jurisdictions.schemas import GeometryChoice
from app.ogc import repository as repo
from app.ogc.params import DateTime, Interval, OgcPage
from app.openapi import problems
from app.roads import service as roads
from app.roads.schemas import RoadFilter
from app.tiles.repository import city_bounds
from app.vocab import HazardKind, JurisdictionLevel, RoadClass, RoadGroup

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"])

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
JSON = "application/json"

COLLECTIONS: dict[str, dict[str, str]] = {
    "hazards": {"title": "隐患点 Hazard points", "description": "The ledger's hazard points (隐患台账)."},
    "segments": {
        "title": "事故易发多发路段 Accident-prone segments",
        "description": "The ledger's accident-prone road segments.",
    },
    "roads": {"title": "道路 Roads", "description": "Roads (route pieces) with their chainage (桩号)."},
    "jurisdictions": {
        "title": "辖区 Jurisdictions",
        "description": "The city, its counties and development zones, and townships.",
    },
}
Csv = "One or several: repeat the parameter or separate values with commas."


def _url(request: Request, path: str) -> str:
    return public_url(request).split("/ogc", 1)[0] + path


def _collection_doc(
    request: Request, cid: str, bounds: tuple[float, float, float, float] | None
) -> dict[str, Any]:
    base = _url(request, f"/ogc/collections/{cid}")
    return {
        "id": cid,
        **COLLECTIONS[cid],
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": {
            "spatial": {"bbox": [list(bounds) if bounds else [-180, -90, 180, 90]], "crs": CRS84},
        },
        "links": [
            {"href": base, "rel": "self", "type": JSON, "title": "this collection"},
            {"href": f"{base}/items", "rel": "items", "type": GEOJSON, "title": "the features"},
        ],
    }


@router.get("", summary="Landing page")
async def landing(request: Request) -> JSONResponse:
    return JSONResponse(
        {
            "title": "hazardmap — 聊城道路交通安全隐患 (OGC API – Features)",
            "description": "Road-traffic-safety hazards of Liaocheng, with roads and jurisdictions.",
            "links": [
                {"href": _url(request, "/ogc"), "rel": "self", "type": JSON, "title": "this document"},
                {
                    "href": _url(request, "/openapi.json"),
                    "rel": "service-desc",
                    "type": "application/vnd.oai.openapi+json;version=3.1",
                    "title": "the API definition",
                },
                {
                    "href": _url(request, "/docs"),
                    "rel": "service-doc",
                    "type": "text/html",
                    "title": "API docs",
                },
                {
                    "href": _url(request, "/ogc/conformance"),
                    "rel": "conformance",
                    "type": JSON,
                    "title": "conformance classes",
                },
                {
                    "href": _url(request, "/ogc/collections"),
                    "rel": "data",
                    "type": JSON,
                    "title": "collections",
                },
            ],
        }
    )


@router.get("/conformance", summary="Conformance classes")
async def conformance() -> JSONResponse:
    return JSONResponse({"conformsTo": CONFORMANCE})


@router.get("/collections", summary="The collections")
async def collections(request: Request, session: Session) -> JSONResponse:
    bounds = await city_bounds(session)
    return JSONResponse(
        {
            "links": [
                {
                    "href": _url(request, "/ogc/collections"),
                    "rel": "self",
                    "type": JSON,
                    "title": "this document",
                }
            ],
            "collections": [_collection_doc(request, cid, bounds) for cid in COLLECTIONS],
        }
    )


def _known(cid: str) -> None:
    if cid not in COLLECTIONS:
        raise NotFound(detail=f"no collection {cid!r}; the collections are {', '.join(COLLECTIONS)}")


@router.get("/collections/{collection_id}", summary="One collection", responses=problems(404))
async def one_collection(request: Request, session: Session, collection_id: str) -> JSONResponse:
    _known(collection_id)
    return JSONResponse(_collection_doc(request, collection_id, await city_bounds(session)))


def _items(request: Request, page: Paging, result: Any) -> Response:
    links = paging_links(request, page, result.matched, result.returned)
    body = collection(result.features, matched=result.matched, returned=result.returned, links=links)
    return Response(body, media_type=GEOJSON)


def _with_links(request: Request, cid: str, feature: str, fid: str) -> Response:
    """The feature PostGIS wrote, with the self and collection links Part 1 asks of it."""
    base = _url(request, f"/ogc/collections/{cid}")
    links = [
        {"href": f"{base}/items/{fid}", "rel": "self", "type": GEOJSON, "title": "this feature"},
        {"href": base, "rel": "collection", "type": JSON, "title": "the collection"},
    ]
    text = f'{feature.rstrip()[:-1]},"links":{json.dumps(links, ensure_ascii=False)}}}'
    return Response(text, media_type=GEOJSON)


def _hazard_items(kind: HazardKind) -> Any:
    async def items(
        request: Request, session: Session, filters: Filters, page: OgcPage, when: DateTime
    ) -> Response:
        f = filters
        if when is not None:
            f = dataclasses.replace(f, reported_from=when.start, reported_to=when.end)
        return _items(request, page, await hazards.list_features(session, kind, f, page))

    return items


def _hazard_item(kind: HazardKind) -> Any:
    async def item(request: Request, session: Session, feature_id: Annotated[str, Path()]) -> Response:
        cid = "hazards" if kind is HazardKind.point else "segments"
        if not feature_id.isascii() or not feature_id.isdigit() or not 0 < int(feature_id) < 2**63:
            raise NotFound(detail=f"there is no feature {feature_id!r} in {cid}")
        written = await hazards.get_feature(session, kind, int(feature_id))
        return _with_links(request, cid, written.feature, feature_id)

    return item


_ITEMS_DOC = "GeoJSON features by page (`limit`, `offset`), with `numberMatched` and next/prev links."
for _cid, _kind in (("hazards", HazardKind.point), ("segments", HazardKind.segment)):
    router.add_api_route(
        f"/collections/{_cid}/items",
        _hazard_items(_kind),
        methods=["GET"],
        summary=f"Items of {_cid}",
        description=_ITEMS_DOC + " The filters of the ledger's list; `datetime` is when it was reported.",
        responses=problems(422),
        response_class=Response,
    )
    router.add_api_route(
        f"/collections/{_cid}/items/{{feature_id}}",
        _hazard_item(_kind),
        methods=["GET"],
        summary=f"One of {_cid}",
        responses=problems(404, 410),
        response_class=Response,
    )


@router.get(
    "/collections/roads/items", summary="Items of roads", description=_ITEMS_DOC, responses=problems(422)
)
async def road_items(
    request: Request,
    session: Session,
    bbox: BBox,
    page: OgcPage,
    road_group: Annotated[
        list[str] | None, Query(description=f"{', '.join(RoadGroup.codes())}. {Csv}")
    ] = None,
    road_class: Annotated[
        list[str] | None, Query(alias="class", description=f"{', '.join(RoadClass.codes())}. {Csv}")
    ] = None,
    code: Annotated[list[str] | None, Query(description=f"Route code, e.g. G309. {Csv}")] = None,
) -> Response:
    f = RoadFilter(
        bbox=bbox,
        road_group=enum_values("road_group", road_group, RoadGroup),
        road_class=enum_values("class", road_class, RoadClass),
        code=codes(code, "code"),
    )
    return _items(request, page, await roads.list_features(session, f, page))


@router.get("/collections/roads/items/{feature_id}", summary="One road", responses=problems(404))
async def road_item(request: Request, session: Session, feature_id: str) -> Response:
    if not feature_id.isascii() or not feature_id.isdigit() or not 0 < int(feature_id) < 2**63:
        raise NotFound(detail=f"there is no road {feature_id!r}")
    return _with_links(request, "roads", await roads.one_feature(session, int(feature_id)), feature_id)


@router.get(
    "/collections/jurisdictions/items",
    summary="Items of jurisdictions",
    description=_ITEMS_DOC,
    responses=problems(422),
)
async def jurisdiction_items(
    request: Request,
    session: Session,
    bbox: BBox,
    page: OgcPage,
    level: Annotated[
        list[str] | None, Query(description=f"{', '.join(JurisdictionLevel.codes())}. {Csv}")
    ] = None,
    parent: Annotated[list[str] | None, Query(description=f"The parent's code, e.g. 371502. {Csv}")] = None,
) -> Response:
    result = await repo.jurisdictions(
        session,
        level=enum_values("level", level, JurisdictionLevel),
        parent=codes(parent, "parent"),
        bbox=bbox,
        limit=page.limit,
        offset=page.offset,
    )
    return _items(request, page, result)


@router.get(
    "/collections/jurisdictions/items/{feature_id}", summary="One jurisdiction", responses=problems(404)
)
async def jurisdiction_item(request: Request, session: Session, feature_id: str) -> Response:
    feature = await jurisdictions.one_feature(
        session, feature_id, geometry=GeometryChoice.outline, simplify=None
    )
    return _with_links(request, "jurisdictions", feature, feature_id)


@router.get("/collections/{collection_id}/items", include_in_schema=False)
async def unknown_items(collection_id: str) -> None:
    _known(collection_id)


__all__ = ["Interval", "router"]
