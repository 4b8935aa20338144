"""The queries on jurisdictions. PostGIS builds the GeoJSON; values are bound."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.jurisdictions.schemas import GeometryChoice
from app.sqlfiles import compose
from app.vocab import JurisdictionLevel

PKG = "app.jurisdictions"
LEVEL_NAMES = json.dumps({level.value: level.zh for level in JurisdictionLevel}, ensure_ascii=False)

# A metric projection for simplifying in metres: CGCS2000 / 3-degree Gauss-Kruger CM 117E, the
# national grid zone of Liaocheng (about 115.2°–116.6° E, within 1.8° of the central meridian).
METRIC_SRID = 4548

_GEOMETRY = {
    GeometryChoice.outline: "ST_AsGeoJSON(j.geom, 7)::json",
    GeometryChoice.centre: "ST_AsGeoJSON(coalesce(j.centre, ST_PointOnSurface(j.geom)), 7)::json",
    GeometryChoice.none: "NULL::json",
}
_SIMPLIFIED = (
    "ST_AsGeoJSON(ST_Multi(ST_Transform(ST_SimplifyPreserveTopology("
    f"ST_Transform(j.geom, {METRIC_SRID}), :simplify), 4326)), 7)::json"
)


def features_sql(geometry: GeometryChoice, simplify: float | None = None) -> str:
    """features.sql with this geometry (also composed by the OGC API's paged list)."""
    expr = _SIMPLIFIED if geometry is GeometryChoice.outline and simplify else _GEOMETRY[geometry]
    return compose(PKG, "features", geometry=expr)


@dataclass(frozen=True)
class Listing:
    matched: int
    features: str


async def list_features(
    session: AsyncSession,
    *,
    levels: list[str] | None,
    parent: str | None,
    geometry: GeometryChoice,
    simplify: float | None,
) -> Listing:
    clauses = ["true"]
    params: dict[str, Any] = {"level_names": LEVEL_NAMES}
    if levels:
        clauses.append("j.level = ANY(:levels)")
        params["levels"] = levels
    if parent:
        clauses.append("j.parent_code = :parent")
        params["parent"] = parent
    if simplify and geometry is GeometryChoice.outline:
        params["simplify"] = simplify
    sql = compose(PKG, "list", features=features_sql(geometry, simplify), where=" AND ".join(clauses))
    row = (await session.execute(text(sql), params)).one()
    return Listing(matched=row.matched, features=row.features)


async def one_feature(
    session: AsyncSession, code: str, *, geometry: GeometryChoice, simplify: float | None
) -> str | None:
    params: dict[str, Any] = {"code": code, "level_names": LEVEL_NAMES}
    if simplify and geometry is GeometryChoice.outline:
        params["simplify"] = simplify
    sql = compose(PKG, "one", features=features_sql(geometry, simplify))
    value = (await session.execute(text(sql), params)).scalar_one_or_none()
    return None if value is None else str(value)


async def exists(session: AsyncSession, code: str) -> bool:
    row = await session.execute(text("SELECT 1 FROM jurisdictions WHERE code = :code"), {"code": code})
    return row.first() is not None
