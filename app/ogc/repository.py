"""The OGC API's queries: each collection's own features SQL (from its domain), given the WHERE of
the request (the domain's list filters plus the CQL2 filter, values bound) and the geometry in the
answer's CRS. The statements are composed per request: a CQL2 filter makes too many shapes to
cache them as the domains do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import overdue
from app.hazards.repository import Page, features_sql
from app.jurisdictions.repository import LEVEL_NAMES
from app.jurisdictions.repository import features_sql as jurisdiction_features_sql
from app.jurisdictions.schemas import GeometryChoice
from app.ogc.crs import OgcCrs, geojson_sql
from app.roads import repository as roads
from app.sqlfiles import load

PKG = "app.ogc"


@dataclass(frozen=True)
class Source:
    """A collection's table as the OGC API reads it."""

    list_pkg: str  # whose list.sql (page + count) to use
    list_name: str
    key: str  # the key column the page is cut on, e.g. h.id
    geometry: str  # the stored geometry column inside features.sql's GeoJSON
    one: str  # the condition for one feature, with :id bound

    def features(self) -> str:
        if self.list_pkg == "app.hazards":
            return features_sql()
        if self.list_pkg == "app.roads":
            return roads._features_sql()
        return jurisdiction_features_sql(GeometryChoice.outline)

    def params(self) -> dict[str, Any]:
        if self.list_pkg == "app.roads":
            return dict(roads.NAMES)
        if self.list_pkg == "app.ogc":
            return {"level_names": LEVEL_NAMES}
        return overdue.params()  # hazards: their overdue property


SOURCES = {
    "hazards": Source("app.hazards", "list", "h.id", "h.geom", "h.id = :id"),
    "segments": Source("app.hazards", "list", "h.id", "h.geom", "h.id = :id"),
    "roads": Source("app.roads", "list", "r.id", "r.geom", "r.id = :id"),
    "jurisdictions": Source("app.ogc", "jurisdictions", "j.code", "j.geom", "j.code = :id"),
}


def _features(source: Source, crs: OgcCrs) -> str:
    sql = source.features()
    stored = f"ST_AsGeoJSON({source.geometry}, 7)::json"
    if stored not in sql:  # the domain's features.sql changed shape: fail loudly, not silently in CRS84
        raise RuntimeError(f"{source.list_pkg} features.sql has no {stored}")
    return sql.replace(stored, geojson_sql(source.geometry, crs))


async def page(
    session: AsyncSession,
    cid: str,
    where: str,
    params: dict[str, Any],
    crs: OgcCrs,
    limit: int,
    offset: int,
) -> Page:
    source = SOURCES[cid]
    sql = (
        load(source.list_pkg, source.list_name)
        .replace("/*where*/", where)
        .replace("/*features*/", _features(source, crs))
    )
    values = {**source.params(), **params, "limit": limit, "offset": offset}
    row = (await session.execute(text(sql), values)).one()
    return Page(matched=row.number_matched, returned=row.number_returned, features=row.features)


async def one(session: AsyncSession, cid: str, key: int | str, crs: OgcCrs) -> str | None:
    source = SOURCES[cid]
    sql = f"SELECT f.feature::text FROM ({_features(source, crs)} WHERE {source.one}) f"
    value = (await session.execute(text(sql), {**source.params(), "id": key})).scalar_one_or_none()
    return None if value is None else str(value)
