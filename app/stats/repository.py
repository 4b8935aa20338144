"""The statistics queries; PostGIS counts and builds the JSON."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import overdue, sqlfiles
from app.hazards.repository import filter_clauses
from app.hazards.schemas import HazardFilter


async def summary(
    session: AsyncSession,
    *,
    tz: str,
    city_code: str,
    open_statuses: list[str],
    road_groups: list[str],
    grades: list[str],
    weeks: int,
) -> str:
    result = await session.execute(
        text(sqlfiles.load("app.stats", "summary")),
        {
            "tz": tz,
            "city_code": city_code,
            "open_statuses": open_statuses,
            "road_groups": road_groups,
            "grades": grades,
            "weeks": weeks,
            **overdue.params(),
        },
    )
    body: str = result.scalar_one()
    return body


async def grid(
    session: AsyncSession,
    *,
    bbox: tuple[float, float, float, float],
    cell: float,
    today: date,
    open_statuses: list[str],
    where: HazardFilter,
) -> str:
    x1, y1, x2, y2 = bbox
    # The list's filters (the bbox apart: the cells are cut from it here), as the list means them.
    clauses, given = filter_clauses(where)
    where_sql = "".join(f"\n       AND {c}" for c in clauses)
    sql = sqlfiles.compose("app.stats", "grid", where=where_sql)
    result = await session.execute(
        text(sql),
        {
            "x1": x1,
            "y1": y1,
            "x2": x2,
            "y2": y2,
            "cell": cell,
            "today": today,
            "open_statuses": open_statuses,
            **given,
            **overdue.params(),
        },
    )
    body: str = result.scalar_one()
    return body
