"""The queries that list crashes and candidates; PostGIS builds the GeoJSON, values are bound."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import text

from app.roads.chainage import chainage_sql
from app.roads.linear import Executor
from app.sqlfiles import load

PKG = "app.crashes"
BBOX = "c.geom && ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326)"


@dataclass(frozen=True)
class Page:
    matched: int
    returned: int
    features: str  # the JSON array text PostGIS built


@cache
def _sql(name: str, where: str) -> str:
    sql = load(PKG, name).replace("/*where*/", where)
    return (
        sql.replace("/*chainage*/", chainage_sql("c.chainage_m"))
        .replace("/*point_chainage*/", chainage_sql("c.point_chainage_m"))
        .replace("/*segment_chainage*/", chainage_sql("c.start_chainage_m", "c.end_chainage_m"))
    )


async def _page(db: Executor, name: str, clauses: list[str], params: dict[str, Any]) -> Page:
    row = (await db.execute(text(_sql(name, " AND ".join(clauses) or "true")), params)).one()
    return Page(matched=row.matched, returned=row.returned, features=row.features)


def _bbox(bbox: tuple[float, float, float, float] | None, clauses: list[str], params: dict[str, Any]) -> None:
    if bbox is not None:
        clauses.append(BBOX)
        params.update(dict(zip(("x1", "y1", "x2", "y2"), bbox, strict=True)))


async def list_crashes(
    db: Executor,
    *,
    bbox: tuple[float, float, float, float] | None,
    roads: list[str] | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> Page:
    clauses: list[str] = []
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    _bbox(bbox, clauses, params)
    if roads:
        clauses.append("c.road_id IN (SELECT id FROM roads WHERE code = ANY(:roads))")
        params["roads"] = roads
    if since is not None:
        clauses.append("c.occurred_at >= :since")
        params["since"] = since
    if until is not None:
        clauses.append("c.occurred_at < :until")
        params["until"] = until
    return await _page(db, "list", clauses, params)


async def list_candidates(
    db: Executor,
    *,
    bbox: tuple[float, float, float, float] | None,
    statuses: list[str] | None,
    kinds: list[str] | None,
    roads: list[str] | None,
    limit: int,
    offset: int,
) -> Page:
    clauses: list[str] = []
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    _bbox(bbox, clauses, params)
    for column, values in (("status", statuses), ("kind", kinds), ("road_code", roads)):
        if values:
            clauses.append(f"c.{column} = ANY(:{column})")
            params[column] = values
    return await _page(db, "candidates", clauses, params)


@dataclass(frozen=True)
class Density:
    cells: int
    max_crashes: int
    crashes: int
    features: str  # the JSON array text PostGIS built


async def density(
    db: Executor,
    *,
    bbox: tuple[float, float, float, float] | None,
    cell_m: float,
    srid: int,
    since: datetime | None,
    until: datetime | None,
) -> Density:
    """Crashes per square cell of ``cell_m`` metres (in ``srid``), with their deaths and injuries."""
    clauses: list[str] = []
    params: dict[str, Any] = {"cell": cell_m, "srid": srid}
    _bbox(bbox, clauses, params)
    if since is not None:
        clauses.append("c.occurred_at >= :since")
        params["since"] = since
    if until is not None:
        clauses.append("c.occurred_at < :until")
        params["until"] = until
    row = (await db.execute(text(_sql("density", " AND ".join(clauses) or "true")), params)).one()
    return Density(
        cells=row.cells, max_crashes=int(row.max_crashes), crashes=int(row.crashes), features=row.features
    )
