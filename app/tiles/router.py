"""/tiles: Mapbox vector tiles (WebMercatorQuad) of hazards, segments and roads, and a TileJSON per layer.

The tiles take the list endpoint's filters. Their ETag is the md5 of the tile's bytes, computed
by PostGIS with the tile: it cannot outlive an edit that changes what the tile shows, and a
client that sends it back in If-None-Match gets 304 without the body.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.responses import JSONResponse

from app.deps import ReadSession
from app.errors import NotFound, invalid
from app.hazards import service
from app.hazards.params import Filters
from app.hazards.schemas import HazardFilter
from app.http import none_match_tag
from app.openapi import media, problems, rules
from app.settings import get_settings
from app.tiles import repository as repo

MVT = "application/vnd.mapbox-vector-tile"
LAYERS = ("hazards", "segments", "roads")
MAX_ZOOM = 22
# Clients revalidate every time (cheap with If-None-Match), so that no cache shows an old tile.
CACHE = "no-cache"

router = APIRouter(prefix="/tiles", tags=["tiles (矢量瓦片)"])


_BELOW = "Below 2^z at zoom z."
# The roads layer takes only some of the filters.
_NOT_FOR_ROADS = {
    name: "Not for the roads layer."
    for name in ("county", "township", "status", "category", "visibility", "grade", "updated_since")
}


def _layer(layer: str) -> str:
    if layer not in LAYERS:
        raise NotFound(detail=f"no tile layer {layer!r}; the layers are {', '.join(LAYERS)}")
    return layer


def _check_filters(layer: str, f: HazardFilter) -> None:
    if layer != "roads":
        return
    for name in HazardFilter.__dataclass_fields__:
        if name not in repo.ROAD_FILTERS and getattr(f, name) is not None:
            allowed = ", ".join(sorted(repo.ROAD_FILTERS))
            raise invalid(name, f"does not apply to the roads layer (it takes {allowed})")


@router.get(
    "/{layer}/{z}/{x}/{y}.mvt",
    summary="A vector tile",
    response_class=Response,
    responses={
        **media(MVT, description="The tile (possibly empty), with an ETag."),
        304: {"description": "Not modified (If-None-Match)."},
        **problems(404, 422),
    },
    openapi_extra=rules(x=_BELOW, y=_BELOW, **_NOT_FOR_ROADS),
)
async def get_tile(
    session: ReadSession,
    filters: Filters,
    layer: Annotated[str, Path(description=f"One of {', '.join(LAYERS)}.")],
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM, description="Zoom (WebMercatorQuad tile matrix).")],
    x: Annotated[int, Path(ge=0, description="Column, 0 … 2^z − 1.")],
    y: Annotated[int, Path(ge=0, description="Row from the top, 0 … 2^z − 1.")],
    if_none_match: Annotated[str | None, Header(description="An ETag; 304 if still current.")] = None,
) -> Response:
    """The features of the layer in tile z/x/y that match the filters (those of the list endpoint)."""
    _layer(layer)
    for name, value in (("x", x), ("y", y)):
        if value >= 1 << z:
            raise invalid(name, f"must be below 2^z = {1 << z} at zoom {z}")
    _check_filters(layer, filters)
    await service.check_codes(session, filters)
    found = await repo.tile(session, layer, z, x, y, filters)
    tag = f'"{found.digest}"'
    headers = {"ETag": tag, "Cache-Control": CACHE}
    if none_match_tag(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    return Response(found.data, media_type=MVT, headers=headers)


@router.get(
    "/{layer}.json",
    summary="The TileJSON of a layer",
    responses=problems(404, 422),
    openapi_extra=rules(**_NOT_FOR_ROADS),
)
async def tilejson(request: Request, session: ReadSession, filters: Filters, layer: str) -> JSONResponse:
    """TileJSON 3.0.0: the tile URL template (keeping this request's filters), zooms, the city's bounds."""
    _layer(layer)
    _check_filters(layer, filters)
    await service.check_codes(session, filters)
    base = get_settings().base_url
    query = f"?{request.url.query}" if request.url.query else ""
    doc: dict[str, Any] = {
        "tilejson": "3.0.0",
        "name": layer,
        "scheme": "xyz",
        "tiles": [f"{base}/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt{query}"],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "vector_layers": [{"id": layer, "fields": repo.FIELDS[layer], "minzoom": 0, "maxzoom": MAX_ZOOM}],
    }
    bounds = await repo.city_bounds(session)
    if bounds is not None:
        doc["bounds"] = list(bounds)
        doc["center"] = [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 8]
    return JSONResponse(doc)
