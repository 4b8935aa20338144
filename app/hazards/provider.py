"""Hazards and segments for the open-data readers: the OGC API, the vector tiles and the exports.

The one module, beside the list's own repository, that knows the SQL of the hazard tables for
them. A reader asks for features of a kind with the hazard list's filters (``HazardFilter``,
bbox included), a page (limit/offset), a condition of its own over ``PROPERTIES`` (the OGC API's
CQL2 filter) and the geometry expression it wants (the OGC API's output CRS); it never sees or
rewrites the SQL text. Values are bound; the pieces put into the SQL are made here or by the
reader's code from ``PROPERTIES``, never from what a client sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from app import overdue
from app.hazards.repository import Page, features_sql, filter_sql, geojson
from app.hazards.schemas import HazardFilter
from app.overdue import overdue_sql
from app.replicas.routing import read_connection
from app.sqlfiles import compose

PKG = "app.hazards"

# The geometry column, for a reader's geometry expression (e.g. ST_Transform of it).
GEOMETRY = "h.geom"

# Each property a reader may filter on, as an SQL expression over the hazard row ``h``.
PROPERTIES: dict[str, str] = {
    "geometry": GEOMETRY,
    "id": "h.id",
    "ledger_no": "h.ledger_no",
    "category": "h.category_code",
    "visibility": "h.visibility",
    "grade": "h.grade",
    "source": "h.source",
    "status": "h.status",
    "description": "h.description",
    "address": "h.address",
    "county": "h.county_code",
    "township": "h.township_code",
    "road_code": "(SELECT r.code FROM roads r WHERE r.id = h.road_id)",
    "chainage_m": "h.chainage_m",
    "end_chainage_m": "h.end_chainage_m",
    "direction": "h.direction",
    "reported_at": "h.reported_at",
    "deadline": "h.deadline",
    "supervised": "(h.supervision_level IS NOT NULL)",
    "overdue": overdue_sql(),  # 超期, by its one definition
    "supervision_level": "h.supervision_level",
    "created_at": "h.created_at",
    "updated_at": "h.updated_at",
    "demo": "h.demo",
}

# The properties of a vector tile's features (TileJSON's vector_layers fields).
TILE_PROPERTIES: dict[str, str] = {
    "id": "Number",
    "ledger_no": "String",
    "kind": "String",
    "category": "String",
    "status": "String",
    "grade": "String",
    "visibility": "String",
    "county": "String",
    "version": "Number",
    "overdue": "Boolean",
}


@dataclass(frozen=True)
class Condition:
    """A condition of the reader's own, over ``PROPERTIES``, with its bound values."""

    sql: str
    params: dict[str, Any] = field(default_factory=dict)


async def page(
    session: AsyncSession,
    kind: str,
    f: HazardFilter,
    *,
    limit: int,
    offset: int,
    condition: Condition | None = None,
    geometry: Callable[[str], str] = geojson,
) -> Page:
    """A page of the features of ``kind`` that match, in id order, and the number matched."""
    where, params = filter_sql(kind, f)
    if condition is not None:
        where = f"{where} AND {condition.sql}"
        params = {**params, **condition.params}
    sql = compose(PKG, "list", where=where, features=features_sql(geometry(GEOMETRY)))
    values = {**params, **overdue.params(), "limit": limit, "offset": offset}
    row = (await session.execute(text(sql), values)).one()
    return Page(matched=row.number_matched, returned=row.number_returned, features=row.features)


async def one(
    session: AsyncSession, hazard_id: int, *, geometry: Callable[[str], str] = geojson
) -> str | None:
    """The feature of one hazard or segment (deleted ones too: the caller says 410), or None."""
    sql = f"SELECT f.feature::text FROM ({features_sql(geometry(GEOMETRY))} WHERE h.id = :id) f"
    value = (await session.execute(text(sql), {"id": hazard_id, **overdue.params()})).scalar_one_or_none()
    return None if value is None else str(value)


async def tile(
    session: AsyncSession,
    kind: str,
    f: HazardFilter,
    *,
    z: int,
    x: int,
    y: int,
    layer: str,
    extent: int,
    buffer: int,
) -> tuple[bytes, str]:
    """A Mapbox vector tile of the features of ``kind`` that match (``TILE_PROPERTIES``) and its md5."""
    where, params = filter_sql(kind, f)
    row = (
        await session.execute(
            text(compose(PKG, "tile", where=where)),
            {
                **params,
                **overdue.params(),
                "z": z,
                "x": x,
                "y": y,
                "layer": layer,
                "extent": extent,
                "buffer": buffer,
                "margin": buffer / extent,
            },
        )
    ).one()
    return bytes(row.mvt), str(row.digest)


async def export_batches(kind: str, f: HazardFilter, batch: int) -> AsyncIterator[list[Row[Any]]]:
    """Every feature that matches, in id order and in batches of ``batch`` rows: feature (GeoJSON
    text), properties (JSON text), wkt, longitude and latitude (points). Read through a server-side
    cursor on a connection of its own (a stream outlives the request's session)."""
    where, params = filter_sql(kind, f)
    sql = compose(PKG, "export", where=where, features=features_sql())
    async with read_connection() as conn:
        values = {**params, **overdue.params()}
        result = await conn.stream(text(sql), values, execution_options={"yield_per": batch})
        async for part in result.partitions(batch):
            yield list(part)
