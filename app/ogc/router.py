"""/ogc: OGC API – Features over the ledger (hazards, segments) and the reference layers (roads,
jurisdictions), for other agencies' GIS (QGIS, ArcGIS, GDAL's OAPIF driver) and for people (HTML).

The items are the ledger API's own features (PostGIS builds them; the same filters apply), in
pages with numberMatched/numberReturned and next/prev links that keep every other parameter.
Part 2: answers in CRS84, EPSG:4326 or EPSG:4490 (``crs``, ``bbox-crs``, ``Content-Crs``).
Part 3: CQL2 ``filter`` (text or JSON) over each collection's queryables (app/ogc/cql2.py).
Not declared: oas30 (FastAPI writes OpenAPI 3.1, which is linked as the service description all
the same).
"""

from __future__ import annotations

import dataclasses
import inspect
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from app.deps import Paging, ReadSession
from app.errors import NotFound
from app.geojson import GEOJSON, codes, collection, enum_values, paging_links, public_url
from app.hazards import params as hazard_params
from app.hazards import service as hazards
from app.hazards.schemas import HazardFilter
from app.jurisdictions import service as jurisdictions
from app.jurisdictions.schemas import GeometryChoice
from app.ogc import html
from app.ogc import repository as repo
from app.ogc.crs import SUPPORTED, OgcCrs, bad
from app.ogc.params import DateTime, OgcPage, Select, Selection
from app.ogc.queryables import QUERYABLES, schema
from app.openapi import NO_NUL, listing, media, problems
from app.roads import repository as roads_repo
from app.roads import service as roads
from app.roads.schemas import RoadFilter
from app.tiles.repository import city_bounds
from app.vocab import HazardKind, JurisdictionLevel, RoadClass, RoadGroup

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"])

CRS84 = SUPPORTED[0].uri
OGC = "http://www.opengis.net/spec"
CONFORMANCE = [
    f"{OGC}/ogcapi-features-1/1.0/conf/core",
    f"{OGC}/ogcapi-features-1/1.0/conf/geojson",
    f"{OGC}/ogcapi-features-1/1.0/conf/html",
    f"{OGC}/ogcapi-features-2/1.0/conf/crs",
    f"{OGC}/ogcapi-features-3/1.0/conf/queryables",
    f"{OGC}/ogcapi-features-3/1.0/conf/filter",
    f"{OGC}/ogcapi-features-3/1.0/conf/features-filter",
    f"{OGC}/cql2/1.0/conf/cql2-text",
    f"{OGC}/cql2/1.0/conf/cql2-json",
    f"{OGC}/cql2/1.0/conf/basic-cql2",
    f"{OGC}/cql2/1.0/conf/advanced-comparison-operators",
    f"{OGC}/cql2/1.0/conf/basic-spatial-functions",
    f"{OGC}/cql2/1.0/conf/basic-spatial-functions-plus",
    f"{OGC}/cql2/1.0/conf/spatial-functions",
    f"{OGC}/cql2/1.0/conf/property-property",
]
JSON = "application/json"
HTML = "text/html"
SCHEMA_JSON = "application/schema+json"

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
# Refused with 400 (OGC API) rather than FastAPI's 422, so the values are stated, not validated, here.
Format = Annotated[
    str | None,
    Query(
        alias="f",
        json_schema_extra={"enum": ["json", "html"]},
        description="json (GeoJSON/JSON) or html; by default from the Accept header.",
    ),
]


_JSON_OR_HTML = {**media("application/json", "text/html"), **problems(400)}
_GEOJSON_OR_HTML = media(GEOJSON, "text/html")


def _url(request: Request, path: str) -> str:
    return public_url(request).split("/ogc", 1)[0] + path


def _html_wanted(request: Request, f: str | None) -> bool:
    """f=html or f=json decide; without f, a browser (Accept: text/html) gets the page."""
    if f is not None:
        value = f.strip().lower()
        if value not in ("json", "html"):
            raise bad("f", f"{f!r} is not a format here; use json or html")
        return value == "html"
    accept = request.headers.get("accept", "")
    return HTML in accept and "json" not in accept.split(HTML, 1)[0]


def _with_f(url: str, f: str) -> str:
    base, _, query = url.partition("?")
    kept = [p for p in query.split("&") if p and not p.startswith("f=")]
    return base + "?" + "&".join([*kept, f"f={f}"])


def _self_links(request: Request, json_type: str, title: str) -> list[dict[str, Any]]:
    """self and its alternate, each an explicit f= so that a link never depends on the Accept header."""
    here = public_url(request)
    html_wanted = request.query_params.get("f") == "html" or (
        "f" not in request.query_params and HTML in request.headers.get("accept", "")
    )
    json_link = {"href": _with_f(here, "json"), "type": json_type, "title": f"{title} (JSON)"}
    html_link = {"href": _with_f(here, "html"), "type": HTML, "title": f"{title} (HTML)"}
    first, second = (html_link, json_link) if html_wanted else (json_link, html_link)
    return [{**first, "rel": "self"}, {**second, "rel": "alternate"}]


def _collection_doc(
    request: Request, cid: str, bounds: tuple[float, float, float, float] | None
) -> dict[str, Any]:
    base = _url(request, f"/ogc/collections/{cid}")
    return {
        "id": cid,
        **COLLECTIONS[cid],
        "itemType": "feature",
        "crs": [c.uri for c in SUPPORTED],
        "storageCrs": CRS84,
        "extent": {
            "spatial": {"bbox": [list(bounds) if bounds else [-180, -90, 180, 90]], "crs": CRS84},
        },
        "links": [
            {"href": base, "rel": "self", "type": JSON, "title": "this collection"},
            {"href": f"{base}?f=html", "rel": "alternate", "type": HTML, "title": "this collection (HTML)"},
            {"href": f"{base}/items", "rel": "items", "type": GEOJSON, "title": "the features"},
            {"href": f"{base}/items?f=html", "rel": "items", "type": HTML, "title": "the features (HTML)"},
            {
                "href": f"{base}/queryables",
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "type": SCHEMA_JSON,
                "title": "what a filter may name",
            },
        ],
    }


@router.get("", summary="Landing page", responses=_JSON_OR_HTML)
async def landing(request: Request, f: Format = None) -> Response:
    doc = {
        "title": "hazardmap — 聊城道路交通安全隐患 (OGC API – Features)",
        "description": "Road-traffic-safety hazards of Liaocheng, with roads and jurisdictions.",
        "links": [
            *_self_links(request, JSON, "this document"),
            {
                "href": _url(request, "/openapi.json"),
                "rel": "service-desc",
                "type": "application/vnd.oai.openapi+json;version=3.1",
                "title": "the API definition",
            },
            {"href": _url(request, "/docs"), "rel": "service-doc", "type": HTML, "title": "API docs"},
            {
                "href": _url(request, "/ogc/conformance"),
                "rel": "conformance",
                "type": JSON,
                "title": "conformance classes",
            },
            {"href": _url(request, "/ogc/collections"), "rel": "data", "type": JSON, "title": "collections"},
        ],
    }
    if _html_wanted(request, f):
        return html.landing(request, doc)
    return JSONResponse(doc)


@router.get("/conformance", summary="Conformance classes", responses=_JSON_OR_HTML)
async def conformance(request: Request, f: Format = None) -> Response:
    doc = {"links": _self_links(request, JSON, "conformance classes"), "conformsTo": CONFORMANCE}
    if _html_wanted(request, f):
        return html.conformance(request, doc)
    return JSONResponse(doc)


@router.get("/collections", summary="The collections", responses=_JSON_OR_HTML)
async def collections(request: Request, session: ReadSession, f: Format = None) -> Response:
    bounds = await city_bounds(session)
    doc = {
        "links": _self_links(request, JSON, "this document"),
        "collections": [_collection_doc(request, cid, bounds) for cid in COLLECTIONS],
        "crs": [c.uri for c in SUPPORTED],
    }
    if _html_wanted(request, f):
        return html.collections(request, doc)
    return JSONResponse(doc)


def _known(cid: str) -> None:
    if cid not in COLLECTIONS:
        raise NotFound(detail=f"no collection {cid!r}; the collections are {', '.join(COLLECTIONS)}")


@router.get(
    "/collections/{collection_id}", summary="One collection", responses={**_JSON_OR_HTML, **problems(404)}
)
async def one_collection(
    request: Request, session: ReadSession, collection_id: str, f: Format = None
) -> Response:
    _known(collection_id)
    doc = _collection_doc(request, collection_id, await city_bounds(session))
    doc["links"] = [*_self_links(request, JSON, "this collection"), *doc["links"][2:]]
    if _html_wanted(request, f):
        return html.collection(request, doc)
    return JSONResponse(doc)


@router.get(
    "/collections/{collection_id}/queryables",
    summary="What a filter may name",
    description="The collection's queryable properties as a JSON Schema (Part 3).",
    responses={**media(SCHEMA_JSON), **problems(404)},
)
async def queryables(request: Request, collection_id: str) -> Response:
    """The allow-list of a CQL2 filter, as Part 3's JSON Schema.

    Permission: whoever may read the collection's items (the OGC API is read-only).
    """
    _known(collection_id)
    body = schema(collection_id, public_url(request).split("?", 1)[0])
    return Response(json.dumps(body, ensure_ascii=False), media_type=SCHEMA_JSON)


def _crs_header(crs: OgcCrs) -> dict[str, str]:
    return {"Content-Crs": f"<{crs.uri}>"}


async def _respond_items(
    request: Request,
    session: ReadSession,
    cid: str,
    page: Paging,
    sel: Selection,
    where: str,
    params: dict[str, Any],
    f: str | None,
) -> Response:
    cql = sel.where(QUERYABLES[cid])
    result = await repo.page(session, cid, where, params, cql, sel.crs, page.limit, page.offset)
    return _items(request, cid, page, sel, result, f)


def _items(
    request: Request, cid: str, page: Paging, sel: Selection, result: repo.Page, f: str | None
) -> Response:
    links = paging_links(request, page, result.matched, result.returned)
    links = [*_self_links(request, GEOJSON, "this page"), *links[1:]]
    links.append(
        {"href": _url(request, f"/ogc/collections/{cid}"), "rel": "collection", "type": JSON, "title": cid}
    )
    body = collection(result.features, matched=result.matched, returned=result.returned, links=links)
    if _html_wanted(request, f):
        return html.items(request, cid, COLLECTIONS[cid]["title"], body, sel.crs, _crs_header(sel.crs))
    return Response(body, media_type=GEOJSON, headers=_crs_header(sel.crs))


def _one_links(request: Request, cid: str, fid: str) -> list[dict[str, Any]]:
    base = _url(request, f"/ogc/collections/{cid}")
    return [
        *_self_links(request, GEOJSON, "this feature"),
        {"href": base, "rel": "collection", "type": JSON, "title": "the collection"},
    ]


def _respond_one(request: Request, cid: str, feature: str, fid: str, crs: OgcCrs, f: str | None) -> Response:
    """The feature PostGIS wrote, with the self and collection links Part 1 asks of it."""
    links = _one_links(request, cid, fid)
    text = f'{feature.rstrip()[:-1]},"links":{json.dumps(links, ensure_ascii=False)}}}'
    if _html_wanted(request, f):
        return html.item(request, cid, COLLECTIONS[cid]["title"], text, crs, _crs_header(crs))
    return Response(text, media_type=GEOJSON, headers=_crs_header(crs))


def _no_bbox(fn: Any) -> Any:
    """The ledger list's filters without its bbox: the OGC API reads bbox with bbox-crs itself."""
    sig = inspect.signature(fn, eval_str=True)  # the hazards module postpones its annotations

    def filters(**kwargs: Any) -> HazardFilter:
        return fn(bbox=None, **kwargs)

    filters.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=[p for p in sig.parameters.values() if p.name != "bbox"]
    )
    return filters


OgcFilters = Annotated[HazardFilter, Depends(_no_bbox(hazard_params.filters))]


def _hazard_items(kind: HazardKind) -> Any:
    cid = "hazards" if kind is HazardKind.point else "segments"

    async def items(
        request: Request,
        session: ReadSession,
        filters: OgcFilters,
        page: OgcPage,
        when: DateTime,
        sel: Select,
        f: Format = None,
    ) -> Response:
        hf = dataclasses.replace(filters, bbox=sel.bbox)
        if when is not None:
            hf = dataclasses.replace(hf, reported_from=when.start, reported_to=when.end)
        await hazards.check_codes(session, hf)
        cql = sel.where(QUERYABLES[cid])
        result = await repo.hazard_page(session, kind.value, hf, cql, sel.crs, page.limit, page.offset)
        return _items(request, cid, page, sel, result, f)

    return items


def _hazard_item(kind: HazardKind) -> Any:
    cid = "hazards" if kind is HazardKind.point else "segments"

    async def item(
        request: Request,
        session: ReadSession,
        feature_id: Annotated[str, Path()],
        sel: Select,
        f: Format = None,
    ) -> Response:
        if not feature_id.isascii() or not feature_id.isdigit() or not 0 < int(feature_id) < 2**63:
            raise NotFound(detail=f"there is no feature {feature_id!r} in {cid}")
        await hazards.get_feature(session, kind, int(feature_id))  # 404 or 410
        feature = await repo.hazard_one(session, int(feature_id), sel.crs)
        assert feature is not None
        return _respond_one(request, cid, feature, feature_id, sel.crs, f)

    return item


_ITEMS_DOC = (
    "GeoJSON features by page (`limit`, `offset`), with `numberMatched` and next/prev links; "
    "`filter` (CQL2) over the collection's queryables; `crs` and `bbox-crs` (Part 2)."
)
for _cid, _kind in (("hazards", HazardKind.point), ("segments", HazardKind.segment)):
    router.add_api_route(
        f"/collections/{_cid}/items",
        _hazard_items(_kind),
        methods=["GET"],
        summary=f"Items of {_cid}",
        description=_ITEMS_DOC + " The filters of the ledger's list; `datetime` is when it was reported.",
        responses={**_GEOJSON_OR_HTML, **problems(400, 422)},
        response_class=Response,
    )
    router.add_api_route(
        f"/collections/{_cid}/items/{{feature_id}}",
        _hazard_item(_kind),
        methods=["GET"],
        summary=f"One of {_cid}",
        responses={**_GEOJSON_OR_HTML, **problems(400, 404, 410)},
        response_class=Response,
    )


@router.get(
    "/collections/roads/items",
    summary="Items of roads",
    description=_ITEMS_DOC,
    responses={**_GEOJSON_OR_HTML, **problems(400, 422)},
)
async def road_items(
    request: Request,
    session: ReadSession,
    page: OgcPage,
    sel: Select,
    road_group: Annotated[
        list[str] | None,
        Query(
            json_schema_extra=listing(RoadGroup.codes()), description=f"{', '.join(RoadGroup.codes())}. {Csv}"
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
    f: Format = None,
) -> Response:
    rf = RoadFilter(
        bbox=sel.bbox,
        road_group=enum_values("road_group", road_group, RoadGroup),
        road_class=enum_values("class", road_class, RoadClass),
        code=codes(code, "code"),
    )
    where, params = roads_repo.filter_sql(rf)
    return await _respond_items(request, session, "roads", page, sel, where, params, f)


@router.get(
    "/collections/roads/items/{feature_id}",
    summary="One road",
    responses={**_GEOJSON_OR_HTML, **problems(400, 404)},
)
async def road_item(
    request: Request, session: ReadSession, feature_id: str, sel: Select, f: Format = None
) -> Response:
    if not feature_id.isascii() or not feature_id.isdigit() or not 0 < int(feature_id) < 2**63:
        raise NotFound(detail=f"there is no road {feature_id!r}")
    await roads.one_feature(session, int(feature_id))  # 404
    feature = await repo.one(session, "roads", int(feature_id), sel.crs)
    assert feature is not None
    return _respond_one(request, "roads", feature, feature_id, sel.crs, f)


@router.get(
    "/collections/jurisdictions/items",
    summary="Items of jurisdictions",
    description=_ITEMS_DOC,
    responses={**_GEOJSON_OR_HTML, **problems(400, 422)},
)
async def jurisdiction_items(
    request: Request,
    session: ReadSession,
    page: OgcPage,
    sel: Select,
    level: Annotated[
        list[str] | None,
        Query(
            json_schema_extra=listing(JurisdictionLevel.codes()),
            description=f"{', '.join(JurisdictionLevel.codes())}. {Csv}",
        ),
    ] = None,
    parent: Annotated[
        list[str] | None,
        Query(description=f"The parent's code, e.g. 371502. {Csv}", json_schema_extra=NO_NUL),
    ] = None,
    f: Format = None,
) -> Response:
    levels = enum_values("level", level, JurisdictionLevel)
    parents = codes(parent, "parent")
    where, params = repo.jurisdiction_where(levels, parents, sel.bbox)
    return await _respond_items(request, session, "jurisdictions", page, sel, where, params, f)


@router.get(
    "/collections/jurisdictions/items/{feature_id}",
    summary="One jurisdiction",
    responses={**_GEOJSON_OR_HTML, **problems(400, 404)},
)
async def jurisdiction_item(
    request: Request, session: ReadSession, feature_id: str, sel: Select, f: Format = None
) -> Response:
    await jurisdictions.one_feature(session, feature_id, geometry=GeometryChoice.outline, simplify=None)
    feature = await repo.one(session, "jurisdictions", feature_id, sel.crs)
    assert feature is not None
    return _respond_one(request, "jurisdictions", feature, feature_id, sel.crs, f)


@router.get("/collections/{collection_id}/items", include_in_schema=False)
async def unknown_items(collection_id: str) -> None:
    _known(collection_id)


__all__ = ["router"]
