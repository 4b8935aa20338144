"""The tile queries. PostGIS cuts, encodes and hashes the tile; Python only passes bytes on."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.hazards.repository import filter_sql
from app.hazards.schemas import HazardFilter
from app.sqlfiles import load

PKG = "app.tiles"
EXTENT = 4096
BUFFER = 64  # tile units drawn beyond the edge, so that symbols and lines join across tiles

# The properties each layer carries (TileJSON's vector_layers fields).
FIELDS: dict[str, dict[str, str]] = {
    "hazards": {
        "id": "Number",
        "ledger_no": "String",
        "kind": "String",
        "category": "String",
        "status": "String",
        "grade": "String",
        "visibility": "String",
        "county": "String",
        "version": "Number",
    },
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

# Roads are filtered by their own columns; only these filters of the list apply to them.
_ROAD_CLAUSES: dict[str, str] = {
    "road_group": "r.layer_group = ANY(:road_group)",
    "road": "r.code = ANY(:road)",
    "bbox": "ST_Intersects(r.geom, ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326))",
}
ROAD_FILTERS = frozenset(_ROAD_CLAUSES)


@cache
def _sql(name: str, where: str) -> str:
    return load(PKG, name).replace("/*where*/", where)


def _road_where(f: HazardFilter) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = ["true"]
    params: dict[str, Any] = {}
    for name, clause in _ROAD_CLAUSES.items():
        value = getattr(f, name)
        if value is None:
            continue
        clauses.append(clause)
        if name == "bbox":
            params.update(zip(("x1", "y1", "x2", "y2"), value, strict=True))
        else:
            params[name] = value
    return " AND ".join(clauses), params


@dataclass(frozen=True)
class Tile:
    data: bytes
    digest: str


async def tile(session: AsyncSession, layer: str, z: int, x: int, y: int, f: HazardFilter) -> Tile:
    if layer == "roads":
        where, params = _road_where(f)
        sql = _sql("roads", where)
    else:
        where, params = filter_sql(KIND[layer], f)
        sql = _sql("hazards", where)
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
