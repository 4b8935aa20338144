"""What a page needs before its scripts run: the place, the list of counties, categories, the road network."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# The bbox of a unit with no outline (a development zone) is its city's.
_PLACE = text(
    """
    SELECT j.code, j.name, j.level,
           ARRAY[ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)] AS bbox
      FROM jurisdictions j
      LEFT JOIN jurisdictions city ON city.code = :city_code
     CROSS JOIN LATERAL (SELECT ST_Envelope(coalesce(j.geom, city.geom)) AS e) x
     WHERE j.code = :code
       AND (j.code = :city_code OR (j.level IN ('county', 'zone') AND j.parent_code = :city_code))
    """
)

_UNITS = text(
    """
    SELECT code, name, level FROM jurisdictions
     WHERE level IN ('county', 'zone') AND parent_code = :city_code
     ORDER BY level, code
    """
)

# The townships a filter offers: those of one county, or of every county of the city.
_TOWNSHIPS = text(
    """
    SELECT t.code, t.name, t.parent_code AS county_code, c.name AS county_name
      FROM jurisdictions t
      JOIN jurisdictions c ON c.code = t.parent_code
     WHERE t.level = 'township'
       AND (c.code = :county OR (CAST(:county AS text) IS NULL AND c.parent_code = :city_code))
     ORDER BY c.code, t.code
    """
)

_CATEGORIES = text(
    """
    SELECT code, group_code, group_zh, group_en, name_zh, name_en, usual_visibility
      FROM categories WHERE active ORDER BY code
    """
)

# Whether any road is schematic decides the attribution's "示意路网" note.
_ROAD_NETWORK = text("SELECT count(*) AS roads, coalesce(bool_or(schematic), false) AS schematic FROM roads")


async def place(session: AsyncSession, code: str, city_code: str) -> dict[str, Any] | None:
    row = (await session.execute(_PLACE, {"code": code, "city_code": city_code})).mappings().first()
    return dict(row) if row else None


async def units(session: AsyncSession, city_code: str) -> list[dict[str, Any]]:
    return [dict(r) for r in (await session.execute(_UNITS, {"city_code": city_code})).mappings()]


async def categories(session: AsyncSession) -> list[dict[str, Any]]:
    return [dict(r) for r in (await session.execute(_CATEGORIES)).mappings()]


async def road_network(session: AsyncSession) -> dict[str, Any]:
    return dict((await session.execute(_ROAD_NETWORK)).mappings().one())


async def townships(session: AsyncSession, county: str | None, city_code: str) -> list[dict[str, Any]]:
    rows = await session.execute(_TOWNSHIPS, {"county": county, "city_code": city_code})
    return [dict(r) for r in rows.mappings()]


async def name(session: AsyncSession, code: str) -> str | None:
    """The jurisdiction's name; None: no such code."""
    found = await session.execute(text("SELECT name FROM jurisdictions WHERE code = :c"), {"c": code})
    return found.scalar_one_or_none()
