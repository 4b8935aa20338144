"""The OGC API's queries. Hazards and segments are read through app.hazards.provider (the list's
filters, the CQL2 condition and the geometry in the answer's CRS); roads and jurisdictions through
their domain's features SQL, given the WHERE of the request and the geometry in the answer's CRS.
The statements are composed per request: a CQL2 filter makes too many shapes to cache them as the
domains do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.hazards import provider
from app.hazards.repository import Page
from app.hazards.schemas import HazardFilter
from app.jurisdictions.repository import LEVEL_NAMES
from app.jurisdictions.repository import features_sql as jurisdiction_features_sql
from app.jurisdictions.schemas import GeometryChoice
from app.ogc.crs import OgcCrs, geojson_sql
from app.roads import repository as roads
from app.sqlfiles import load, render

PKG = "app.ogc"

# A CQL2 filter compiled over the collection's queryables: its SQL and bound values.
Cql = tuple[str, dict[str, Any]]


async def hazard_page(
    session: AsyncSession, kind: str, f: HazardFilter, cql: Cql | None, crs: OgcCrs, limit: int, offset: int
) -> Page:
    return await provider.page(
        session,
        kind,
        f,
        limit=limit,
        offset=offset,
        condition=None if cql is None else provider.Condition(*cql),
        geometry=lambda column: geojson_sql(column, crs),
    )


async def hazard_one(session: AsyncSession, hazard_id: int, crs: OgcCrs) -> str | None:
    return await provider.one(session, hazard_id, geometry=lambda column: geojson_sql(column, crs))


@dataclass(frozen=True)
class Source:
    """A collection's table as the OGC API reads it."""

    list_pkg: str  # whose list.sql (page + count) to use
    list_name: str
    key: str  # the key column the page is cut on, e.g. r.id
    geometry: str  # the stored geometry column inside features.sql's GeoJSON
    one: str  # the condition for one feature, with :id bound

    def features(self) -> str:
        if self.list_pkg == "app.roads":
            return roads._features_sql()
        return jurisdiction_features_sql(GeometryChoice.outline)

    def params(self) -> dict[str, Any]:
        if self.list_pkg == "app.roads":
            return dict(roads.NAMES)
        return {"level_names": LEVEL_NAMES}


SOURCES = {
    "roads": Source("app.roads", "list", "r.id", "r.geom", "r.id = :id"),
    "jurisdictions": Source("app.ogc", "jurisdictions", "j.code", "j.geom", "j.code = :id"),
}


def _features(source: Source, crs: OgcCrs) -> str:
    sql = source.features()
    stored = f"ST_AsGeoJSON({source.geometry}, 7)::json"
    if stored not in sql:  # the domain's features.sql changed shape: fail loudly, not silently in CRS84
        raise RuntimeError(f"{source.list_pkg} features.sql has no {stored}")
    return sql.replace(stored, geojson_sql(source.geometry, crs))


def jurisdiction_where(
    levels: list[str] | None, parents: list[str] | None, bbox: tuple[float, float, float, float] | None
) -> tuple[str, dict[str, Any]]:
    """The WHERE over ``jurisdictions j`` of the collection's filters, and its bound values."""
    clauses = ["true"]
    params: dict[str, Any] = {}
    if levels is not None:
        clauses.append("j.level = ANY(:level)")
        params["level"] = levels
    if parents is not None:
        clauses.append("j.parent_code = ANY(:parent)")
        params["parent"] = parents
    if bbox is not None:
        clauses.append("ST_Intersects(j.geom, ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326))")
        params.update(zip(("x1", "y1", "x2", "y2"), bbox, strict=True))
    return " AND ".join(clauses), params


async def page(
    session: AsyncSession,
    cid: str,
    where: str,
    params: dict[str, Any],
    cql: Cql | None,
    crs: OgcCrs,
    limit: int,
    offset: int,
) -> Page:
    source = SOURCES[cid]
    if cql is not None:
        where = f"{where} AND {cql[0]}"
        params = {**params, **cql[1]}
    sql = render(load(source.list_pkg, source.list_name), where=where, features=_features(source, crs))
    values = {**source.params(), **params, "limit": limit, "offset": offset}
    row = (await session.execute(text(sql), values)).one()
    return Page(matched=row.number_matched, returned=row.number_returned, features=row.features)


async def one(session: AsyncSession, cid: str, key: int | str, crs: OgcCrs) -> str | None:
    source = SOURCES[cid]
    sql = f"SELECT f.feature::text FROM ({_features(source, crs)} WHERE {source.one}) f"
    value = (await session.execute(text(sql), {**source.params(), "id": key})).scalar_one_or_none()
    return None if value is None else str(value)
