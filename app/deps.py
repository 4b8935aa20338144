"""Short ``Annotated`` aliases for the dependencies every router uses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from app.coords import Crs
from app.db import get_session
from app.errors import invalid
from app.openapi import database, rule
from app.replicas.routing import replica_session
from app.settings import get_settings

_LON = r"-?(180(\.0+)?|(1[0-7][0-9]|[0-9]{1,2})(\.[0-9]+)?)"
_LAT = r"-?(90(\.0+)?|[0-8]?[0-9](\.[0-9]+)?)"
# Four numbers in range; that each min is at most its max is a rule beyond the pattern.
BBOX_PATTERN = rf"^{_LON},{_LAT},{_LON},{_LAT}$"

# scope="function": the dependency's exit — the COMMIT — runs when the endpoint returns, before the
# response is sent. A write is acknowledged only once it is committed; a COMMIT that fails leaves as
# a problem (503 when the database is unreachable) with no Location or ETag. A streamed response
# reads through a connection of its own (app.exports.repository), opened and closed by the stream.
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def _read_session(primary: Session) -> AsyncIterator[AsyncSession]:
    """A bulk read's transaction: on a replica when the request may read one (app.replicas), else
    the request's own session on the primary (no second connection then)."""
    replica = await replica_session()
    if replica is None:
        yield primary
        return
    try:
        yield replica
    finally:
        await replica.close()


# For endpoints that only read, in bulk: lists, tiles, OGC API, exports, stats, the ledger. The
# guard before them authenticates through `Session`, on the primary.
ReadSession = Annotated[AsyncSession, Depends(database(_read_session), scope="function")]


def _bbox(
    bbox: Annotated[
        str | None,
        Query(
            description="minLon,minLat,maxLon,maxLat in WGS84 (EPSG:4326)",
            examples=["115.9,36.4,116.1,36.5"],
            pattern=BBOX_PATTERN,
            json_schema_extra=rule("min must not exceed max."),
        ),
    ] = None,
) -> tuple[float, float, float, float] | None:
    if bbox is None:
        return None
    parts = bbox.split(",")
    if len(parts) != 4:
        raise invalid("bbox", "expected four comma-separated numbers: minLon,minLat,maxLon,maxLat")
    try:
        x1, y1, x2, y2 = (float(p) for p in parts)
    except ValueError as exc:
        raise invalid("bbox", "every value must be a number") from exc
    if any(v != v or v in (float("inf"), float("-inf")) for v in (x1, y1, x2, y2)):
        raise invalid("bbox", "values must be finite numbers")
    if not (-180 <= x1 <= 180 and -180 <= x2 <= 180 and -90 <= y1 <= 90 and -90 <= y2 <= 90):
        raise invalid("bbox", "longitudes must lie in [-180, 180] and latitudes in [-90, 90]")
    if x1 > x2 or y1 > y2:
        raise invalid("bbox", "min must not exceed max (minLon,minLat,maxLon,maxLat)")
    return (x1, y1, x2, y2)


BBox = Annotated[tuple[float, float, float, float] | None, Depends(_bbox)]


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


def _paging(
    limit: Annotated[
        int | None,
        Query(
            ge=0,
            description="Features per page (default `HAZARDMAP_PAGE_LIMIT_DEFAULT`, at most "
            "`HAZARDMAP_PAGE_LIMIT_MAX`); 0 answers only `numberMatched`.",
            examples=[1000],
            json_schema_extra=rule("At most HAZARDMAP_PAGE_LIMIT_MAX (10000 by default)."),
        ),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000, description="Features to skip.")] = 0,
) -> Paging:
    settings = get_settings()
    if limit is None:
        limit = settings.page_limit_default
    if limit > settings.page_limit_max:
        raise invalid("limit", f"must be at most {settings.page_limit_max}; page with offset instead")
    return Paging(limit=limit, offset=offset)


# limit/offset, the limit bounded by the settings (read per request, so that tests can change them).
Page = Annotated[Paging, Depends(_paging)]


# The coordinate system of a geometry a client sends (a hazard's, a pin's).
CrsParam = Annotated[
    Crs,
    Query(
        description="The coordinate system of the geometry sent: wgs84 (default), cgcs2000, or gcj02 "
        "(AMap/Tencent, e.g. a phone); stored as WGS84."
    ),
]
