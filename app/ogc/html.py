"""The OGC API's HTML answers: the same documents as the JSON ones, as pages (zh-CN first, English
with ?lang=en), rendered by app.web (map_templates/ogc/)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request, Response

from app.basemaps import catalog as basemap_catalog
from app.geojson import public_url
from app.ogc.crs import OgcCrs
from app.web import i18n
from app.web.templating import render

# The OGC pages' own words: (zh, en).
WORDS: dict[str, tuple[str, str]] = {
    "api": ("OGC API – 要素服务", "OGC API – Features"),
    "landing": ("服务首页", "Landing page"),
    "conformance": ("符合性类别", "Conformance classes"),
    "collections": ("数据集", "Collections"),
    "collection": ("数据集", "Collection"),
    "features": ("要素", "Features"),
    "feature": ("要素", "Feature"),
    "links": ("链接", "Links"),
    "matched": ("符合条件", "Matched"),
    "returned": ("本页", "On this page"),
    "next": ("下一页", "Next page"),
    "prev": ("上一页", "Previous page"),
    "json": ("JSON 格式", "As JSON"),
    "crs": ("坐标系", "Coordinate systems"),
    "queryables": ("可查询属性", "Queryables"),
    "property": ("属性", "Property"),
    "value": ("值", "Value"),
    "extent": ("范围", "Extent"),
}


def _words(lang: str) -> dict[str, str]:
    i = i18n.LANGS.index(lang)
    return {k: pair[i] for k, pair in WORDS.items()}


def _page(
    request: Request, template: str, context: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    lang, chosen = i18n.pick_lang(request)
    ogc = public_url(request).split("/ogc", 1)[0] + "/ogc"
    root = request.scope.get("root_path", "")
    basemaps = basemap_catalog.page_config(root, lang)
    context["config"] = {**context["config"], "basemaps": basemaps, "root": root}
    response = render(request, f"ogc/{template}", lang, chosen, {"o": _words(lang), "ogc": ogc, **context})
    response.headers.update(headers or {})
    return response


def _link(doc: dict[str, Any], rel: str, type_: str | None = None) -> str | None:
    for link in doc.get("links", []):
        if link["rel"] == rel and (type_ is None or link.get("type") == type_):
            return str(link["href"])
    return None


def landing(request: Request, doc: dict[str, Any]) -> Response:
    return _page(request, "landing.html", {"doc": doc, "config": {"page": "ogc"}})


def conformance(request: Request, doc: dict[str, Any]) -> Response:
    return _page(request, "conformance.html", {"doc": doc, "config": {"page": "ogc"}})


def collections(request: Request, doc: dict[str, Any]) -> Response:
    return _page(request, "collections.html", {"doc": doc, "config": {"page": "ogc"}})


def collection(request: Request, doc: dict[str, Any]) -> Response:
    return _page(request, "collection.html", {"c": doc, "config": {"page": "ogc"}})


def _features_context(features: list[dict[str, Any]]) -> list[str]:
    """The table's columns: every property that some feature of the page has, in first-seen order."""
    columns: dict[str, None] = {}
    for feature in features:
        columns.update(dict.fromkeys(feature.get("properties") or {}))
    return list(columns)


def items(
    request: Request, cid: str, title: str, body: str, crs: OgcCrs, headers: dict[str, str]
) -> Response:
    doc = json.loads(body)
    features = doc["features"]
    context = {
        "cid": cid,
        "title": title,
        "doc": doc,
        "columns": _features_context(features),
        "json_href": _link(doc, "alternate", "application/geo+json") or _link(doc, "self"),
        "next_href": _link(doc, "next"),
        "prev_href": _link(doc, "prev"),
        # The map draws the page's features; Leaflet wants lon/lat, which only CRS84 gives as-is.
        "config": {"page": "ogc-items", "features": doc if not crs.lat_first else _flip(doc)},
    }
    return _page(request, "items.html", context, headers)


def item(request: Request, cid: str, title: str, body: str, crs: OgcCrs, headers: dict[str, str]) -> Response:
    feature = json.loads(body)
    context = {
        "cid": cid,
        "title": title,
        "feature": feature,
        "json_href": _link(feature, "alternate", "application/geo+json") or _link(feature, "self"),
        "config": {
            "page": "ogc-item",
            "features": {
                "type": "FeatureCollection",
                "features": [feature if not crs.lat_first else _flip_one(feature)],
            },
        },
    }
    return _page(request, "item.html", context, headers)


def _flip_coords(c: Any) -> Any:
    if c and isinstance(c[0], int | float):
        return [c[1], c[0], *c[2:]]
    return [_flip_coords(x) for x in c]


def _flip_one(feature: dict[str, Any]) -> dict[str, Any]:
    geom = feature.get("geometry")
    if not geom:
        return feature
    return {**feature, "geometry": {**geom, "coordinates": _flip_coords(geom["coordinates"])}}


def _flip(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "features": [_flip_one(f) for f in doc["features"]]}
