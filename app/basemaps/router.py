"""Base maps: the offline packages' tiles (/basemap/{name}/{z}/{x}/{y}) and the list and default (API).

A tile the package does not hold, inside its zooms, is a 204 (nothing to draw there: the sea, or
beyond the county the package was cut for); an unknown base map or a zoom the package does not
have is a 404. Tiles carry an ETag made of the package's version and the tile's address: a
re-import changes every tag.
"""

from __future__ import annotations

import gzip
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.accounts.dependencies import require
from app.accounts.permissions import Permission, Principal
from app.basemaps import catalog, packages
from app.errors import NotFound, invalid
from app.http import none_match_tag
from app.openapi import media, problems, rules
from app.settings import get_settings

# Packages change only by a new import (new ETag); a day is short enough for a browser to notice.
CACHE = "private, max-age=86400"
_Y = re.compile(r"^(\d{1,9})(\.(png|jpg|jpeg|webp|pbf|mvt))?$")
_BELOW = "Below 2^z at zoom z."

tiles = APIRouter(prefix="/basemap", tags=["base maps (底图)"])
api = APIRouter(prefix="/basemaps", tags=["base maps (底图)"])

Manager = Annotated[Principal, Depends(require(Permission.basemaps_manage))]


def _package(name: str) -> packages.Package:
    try:
        package = packages.find(get_settings().basemap_dir, name)
    except packages.PackageError:
        package = None
    if package is None:
        raise NotFound(detail=f"no offline base map {name!r}; see GET /api/v1/basemaps")
    return package


@tiles.get(
    "/{name}/{z}/{x}/{y}",
    summary="A tile of an offline base map",
    response_class=Response,
    responses={
        **media(
            *packages.MEDIA_TYPES.values(),
            description="The tile: PNG, JPEG, WebP or a Mapbox vector tile, as packaged.",
        ),
        204: {"description": "The package holds no tile here (nothing to draw)."},
        304: {"description": "Not modified (If-None-Match)."},
        **problems(404, 422),
    },
    openapi_extra=rules(x=_BELOW, y=_BELOW),
)
async def basemap_tile(
    name: Annotated[str, Path(max_length=40, description="The base map's name.")],
    z: Annotated[int, Path(ge=0, le=30, description="Zoom (Web Mercator).")],
    x: Annotated[int, Path(ge=0, description="Column, 0 … 2^z − 1.")],
    y: Annotated[
        str,
        Path(
            max_length=16,
            pattern=_Y.pattern,
            description="Row from the top, 0 … 2^z − 1 (an extension is allowed).",
        ),
    ],
    if_none_match: Annotated[str | None, Header(description="An ETag; 304 if still current.")] = None,
    accept_encoding: Annotated[str, Header(include_in_schema=False)] = "",
) -> Response:
    """A tile of an imported MBTiles/PMTiles package, with its content type and caching headers."""
    match = _Y.match(y)
    if match is None:
        raise invalid("y", "must be a row number, optionally with an extension such as .png")
    row = int(match.group(1))
    for field_name, value in (("x", x), ("y", row)):
        if value >= 1 << z:
            raise invalid(field_name, f"must be below 2^z = {1 << z} at zoom {z}")
    package = _package(name)
    if not package.min_zoom <= z <= package.max_zoom:
        raise NotFound(detail=f"base map {name!r} has zooms {package.min_zoom}–{package.max_zoom}, not {z}")
    tag = f'"{package.version}-{z}-{x}-{row}"'
    headers = {"ETag": tag, "Cache-Control": CACHE, "Vary": "Accept-Encoding"}
    if none_match_tag(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    data = await run_in_threadpool(packages.tile, package, z, x, row)
    if not data:
        return Response(status_code=204, headers=headers)
    if package.gzipped:
        if "gzip" in accept_encoding.lower():
            headers["Content-Encoding"] = "gzip"
        else:
            data = gzip.decompress(data)
    return Response(data, media_type=package.media_type, headers=headers)


class BaseMapOut(BaseModel):
    name: str
    title: str
    title_en: str
    source: str = Field(description="tianditu, xyz, wmts, package or blank")
    crs: str = Field(description="wgs84 or gcj02 (AMap/Tencent-style tiles)")
    tile_format: str = Field(description="raster for tile servers; png, jpg, webp or mvt for packages")
    hosts: list[str] = Field(description="Tile servers the pages reach for it (in the CSP)")
    default: bool


class DefaultIn(BaseModel):
    name: str = Field(max_length=40, description="A base map's name, or blank")


def _listed() -> list[dict[str, Any]]:
    found = catalog.choices()
    default = catalog.default_name({c.name for c in found})
    return [
        BaseMapOut(
            name=c.name,
            title=c.title,
            title_en=c.title_en,
            source=c.source,
            crs=c.crs,
            tile_format=c.tile_format,
            hosts=list(c.hosts),
            default=c.name == default,
        ).model_dump()
        for c in found
    ]


@api.get("", summary="The base maps", response_model=list[BaseMapOut])
async def list_basemaps() -> list[dict[str, Any]]:
    """Every base map a page may draw: blank, the configured tile servers, the imported packages."""
    return await run_in_threadpool(_listed)


@api.put(
    "/default",
    summary="Choose the default base map",
    response_model=list[BaseMapOut],
    responses=problems(422),
    openapi_extra=rules(name="One of the base maps GET /api/v1/basemaps lists."),
)
async def choose_default(body: DefaultIn, principal: Manager) -> list[dict[str, Any]]:
    """The base map every page opens with, until a user picks another in its layer switcher."""
    names = {c.name for c in await run_in_threadpool(catalog.choices)}
    if body.name not in names:
        raise invalid("name", f"no base map {body.name!r}; the base maps are {', '.join(sorted(names))}")
    await run_in_threadpool(catalog.set_default, body.name, principal.login)
    return await run_in_threadpool(_listed)
