"""The poster's queries: PostGIS selects the features and projects them into metres."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import overdue
from app.hazards.repository import filter_sql
from app.hazards.schemas import HazardFilter
from app.roads.chainage import chainage_sql
from app.sqlfiles import compose, load

PKG = "app.posters"


@dataclass(frozen=True)
class Frame:
    code: str
    name: str
    level: str
    outline: bytes | None  # WKB, projected
    box: tuple[float, float, float, float]  # projected
    box_wgs84: bytes  # WKB


async def frame(session: AsyncSession, code: str, city_code: str, srid: int) -> Frame | None:
    # A frame at least 2 km wide (or 0.02° in WGS84): a unit with a single hazard still gets a map.
    params = {"code": code, "city_code": city_code, "srid": srid, "min_span": 0.02 if srid == 4326 else 2000}
    row = (await session.execute(text(load(PKG, "frame")), params)).one_or_none()
    if row is None:
        return None
    return Frame(row.code, row.name, row.level, row.outline, (row.x1, row.y1, row.x2, row.y2), row.box_wgs84)


async def context(session: AsyncSession, f: Frame, srid: int, tolerance: float) -> list[Any]:
    result = await session.execute(
        text(load(PKG, "context")),
        {"box": f.box_wgs84, "code": f.code, "srid": srid, "tolerance": tolerance},
    )
    return list(result.all())


def _both_kinds(f: HazardFilter) -> tuple[str, dict[str, Any]]:
    """The list's WHERE for points and segments together (the list asks for one kind at a time)."""
    where, params = filter_sql("point", f)
    kind = "h.kind = :kind AND "
    assert where.startswith(kind)
    params.pop("kind")
    return where[len(kind) :], params


async def hazards(
    session: AsyncSession, f: HazardFilter, srid: int, open_statuses: list[str], today: date
) -> list[Any]:
    where, params = _both_kinds(f)
    sql = compose(PKG, "hazards", where=where, chainage=chainage_sql("h.chainage_m", "h.end_chainage_m"))
    result = await session.execute(
        text(sql),
        {**params, "srid": srid, "open_statuses": open_statuses, "today": today, **overdue.params()},
    )
    return list(result.all())


async def counts(session: AsyncSession, county: str | None, open_statuses: list[str], today: date) -> Any:
    result = await session.execute(
        text(load(PKG, "counts")),
        {"county": county, "open_statuses": open_statuses, "today": today, **overdue.params()},
    )
    return result.one()


async def sources(session: AsyncSession) -> tuple[list[str], bool]:
    """Where the outlines came from, and whether the road network is schematic (the attribution)."""
    outlines = (
        await session.execute(
            text(
                "SELECT DISTINCT source FROM jurisdictions WHERE source IS NOT NULL"
                " AND level IN ('city', 'county') ORDER BY source"
            )
        )
    ).scalars()
    schematic = (await session.execute(text("SELECT bool_or(schematic) FROM roads"))).scalar_one()
    return [str(s) for s in outlines], bool(schematic)
