"""The tile queries. PostGIS cuts, encodes and hashes the tile; Python only passes bytes on. The
hazard layers are read through app.hazards.provider; the roads layer is sql/roads.sql."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.hazards import provider
from app.hazards.schemas import HazardFilter
from app.roads.repository import filter_sql as road_filter_sql
from app.roads.schemas import RoadFilter
from app.sqlfiles import compose, load

PKG = "app.tiles"
EXTENT = 4096
BUFFER = 64  # tile units drawn beyond the edge, so that symbols and lines join across tiles

# The properties each layer carries (TileJSON's vector_layers fields).
FIELDS: dict[str, dict[str, str]] = {
    "hazards": provider.TILE_PROPERTIES,
    "roads": {
        "id": "Number",
        "code": "String",
        "name": "String",
        "class": "String",
        "road_group": "String",
        "schematic": "Boolean",
    },
}
FIELDS["segments"] = FIELDS["hazards"]
KIND = {"hazards": "point", "segments": "segment"}

# The list's filters that apply to roads (as app.roads filters them), by their name in the list.
ROAD_FILTERS = frozenset({"road_group", "road", "bbox"})


@cache
def _roads_sql(where: str) -> str:
    return compose(PKG, "roads", where=where)


@dataclass(frozen=True)
class Tile:
    data: bytes
    digest: str


async def tile(session: AsyncSession, layer: str, z: int, x: int, y: int, f: HazardFilter) -> Tile:
    if layer != "roads":
        data, digest = await provider.tile(
            session, KIND[layer], f, z=z, x=x, y=y, layer=layer, extent=EXTENT, buffer=BUFFER
        )
        return Tile(data, digest)
    where, params = road_filter_sql(RoadFilter(bbox=f.bbox, road_group=f.road_group, code=f.road))
    sql = _roads_sql(where)
    row = (
        await session.execute(
            text(sql),
            {
                **params,
                "z": z,
                "x": x,
                "y": y,
                "layer": layer,
                "extent": EXTENT,
                "buffer": BUFFER,
                "margin": BUFFER / EXTENT,
            },
        )
    ).one()
    return Tile(bytes(row.mvt), row.digest)


async def city_bounds(session: AsyncSession) -> tuple[float, float, float, float] | None:
    row = (await session.execute(text(load(PKG, "bounds")))).one()
    if row.x1 is None:
        return None
    return (row.x1, row.y1, row.x2, row.y2)
