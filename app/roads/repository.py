"""The queries on roads. PostGIS builds the GeoJSON; values are bound."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.roads.chainage import chainage_sql
from app.roads.schemas import RoadFilter
from app.sqlfiles import compose, load
from app.vocab import RoadClass, RoadGroup

PKG = "app.roads"
NAMES = {
    "class_names": json.dumps({c.value: c.zh for c in RoadClass}, ensure_ascii=False),
    "group_names": json.dumps({g.value: g.zh for g in RoadGroup}, ensure_ascii=False),
}

_CLAUSES = {
    "road_group": "r.layer_group = ANY(:road_group)",
    "road_class": "r.road_class = ANY(:road_class)",
    "code": "r.code = ANY(:code)",
    # Index-friendly alone, and estimated once: see the bbox clause in app/hazards/repository.py.
    "bbox": "ST_Intersects(r.geom, ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326))",
}


@cache
def _features_sql() -> str:
    return compose(
        PKG, "features", chainage=chainage_sql("r.start_chainage_m", "r.start_chainage_m + r.length_m")
    )


@cache
def _list_sql(where: str) -> str:
    return compose(PKG, "list", where=where, features=_features_sql())


@dataclass(frozen=True)
class Page:
    matched: int
    returned: int
    features: str


def filter_sql(f: RoadFilter) -> tuple[str, dict[str, Any]]:
    """The WHERE over ``roads r`` for these filters and its bound values (also used by the tiles)."""
    clauses = ["true"]
    params: dict[str, Any] = {}
    for name, clause in _CLAUSES.items():
        value = getattr(f, name)
        if value is None:
            continue
        clauses.append(clause)
        if name == "bbox":
            params.update(zip(("x1", "y1", "x2", "y2"), value, strict=True))
        else:
            params[name] = value
    return " AND ".join(clauses), params


async def list_features(session: AsyncSession, f: RoadFilter, limit: int, offset: int) -> Page:
    where, params = filter_sql(f)
    params.update(NAMES, limit=limit, offset=offset)
    row = (await session.execute(text(_list_sql(where)), params)).one()
    return Page(row.number_matched, row.number_returned, row.features)


async def one_feature(session: AsyncSession, road_id: int) -> str | None:
    sql = compose(PKG, "one", features=_features_sql())
    value = (await session.execute(text(sql), {**NAMES, "id": road_id})).scalar_one_or_none()
    return None if value is None else str(value)


async def possible_duplicates(db: AsyncSession | AsyncConnection, params: dict[str, Any]) -> list[Row[Any]]:
    """sql/duplicates.sql: the open hazards of a category near a geometry (app.roads.duplicates)."""
    return list((await db.execute(text(load(PKG, "duplicates")), params)).all())
