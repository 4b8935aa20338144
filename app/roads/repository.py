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


# -- mileposts and calibrated measure ------------------------------------------------------------

Executor = AsyncSession | AsyncConnection


@dataclass(frozen=True)
class PieceToCalibrate:
    id: int
    code: str
    start_chainage_m: float
    calibrated: bool
    wkb: bytes
    posts: list[dict[str, Any]]


@dataclass(frozen=True)
class StoredMilepost:
    id: int
    road_code: str
    chainage_m: float
    seq: int
    label: str | None
    source: str | None
    loaded_at: Any
    lon: float
    lat: float


async def pieces_to_calibrate(db: Executor, codes: list[str]) -> list[PieceToCalibrate]:
    rows = (await db.execute(text(load(PKG, "calibration_pieces")), {"codes": codes})).all()
    return [
        PieceToCalibrate(r.id, r.code, r.start_chainage_m, r.calibrated, bytes(r.wkb), list(r.posts))
        for r in rows
    ]


async def store_measure(db: Executor, road_id: int, ewkt: str, start_m: float, span_m: float) -> None:
    params = {"id": road_id, "ewkt": ewkt, "start_m": start_m, "span_m": span_m, "calibrated": True}
    await db.execute(text(load(PKG, "calibration_store")), params)


async def reset_measure(db: Executor, road_id: int) -> None:
    await db.execute(text(load(PKG, "calibration_reset")), {"id": road_id})


async def replace_mileposts(db: Executor, code: str, posts: list[dict[str, Any]], source: str) -> None:
    """The code's current mileposts become ``posts`` (dicts of chainage_m, seq, lon, lat, label)."""
    await db.execute(text(load(PKG, "calibration_replace")), {"code": code})
    if posts:
        rows = [{**p, "code": code, "source": source} for p in posts]
        await db.execute(text(load(PKG, "calibration_insert")), rows)


async def current_mileposts(db: Executor, code: str | None = None) -> list[StoredMilepost]:
    rows = (await db.execute(text(load(PKG, "calibration_list")), {"code": code})).all()
    return [StoredMilepost(**r._asdict()) for r in rows]


async def existing_codes(db: Executor, codes: list[str]) -> set[str]:
    rows = await db.execute(text(load(PKG, "route_codes")), {"codes": codes})
    return {r.code for r in rows}


# -- linear referencing (app.roads.linear): one row, or none, from each file ------------------------


async def _one(db: AsyncSession | AsyncConnection, name: str, params: dict[str, Any]) -> Row[Any] | None:
    return (await db.execute(text(load("app.roads", name)), params)).one_or_none()


async def snap(db: AsyncSession | AsyncConnection, params: dict[str, Any]) -> Row[Any] | None:
    return await _one(db, "snap", params)


async def metres_outside_city(db: AsyncSession | AsyncConnection, params: dict[str, Any]) -> float | None:
    found = await db.execute(text(load("app.roads", "outside_city")), params)
    metres = found.scalar_one_or_none()
    return None if metres is None else float(metres)


async def coverage(db: AsyncSession | AsyncConnection, params: dict[str, Any]) -> list[Row[Any]]:
    return list((await db.execute(text(load("app.roads", "coverage")), params)).all())


async def locate_point(db: AsyncSession | AsyncConnection, params: dict[str, Any]) -> Row[Any] | None:
    return await _one(db, "locate_point", params)


async def chain_gap(db: AsyncSession | AsyncConnection, params: dict[str, Any]) -> Row[Any] | None:
    return await _one(db, "chain_gap", params)


async def locate_line(db: AsyncSession | AsyncConnection, params: dict[str, Any]) -> Row[Any] | None:
    return await _one(db, "locate_line", params)
