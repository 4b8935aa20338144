"""The statistics queries; PostGIS counts and builds the JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import sqlfiles


@dataclass(frozen=True)
class GridFilter:
    """What the map is showing; ``None`` means not filtered on that."""

    county: str | None = None
    statuses: list[str] | None = None
    categories: list[str] | None = None
    visibility: str | None = None
    grades: list[str] | None = None
    road_groups: list[str] | None = None


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
        },
    )
    body: str = result.scalar_one()
    return body


# Each filter that was given becomes one clause with its values bound; the others are left out.
_GRID_CLAUSES = {
    "county": "h.county_code = :county",
    "statuses": "h.status = ANY (CAST(:statuses AS text[]))",
    "categories": "h.category_code = ANY (CAST(:categories AS text[]))",
    "visibility": "h.visibility = :visibility",
    "grades": "h.grade = ANY (CAST(:grades AS text[]))",
    "road_groups": "coalesce(r.layer_group, 'none') = ANY (CAST(:road_groups AS text[]))",
}


async def grid(
    session: AsyncSession,
    *,
    bbox: tuple[float, float, float, float],
    cell: float,
    today: date,
    open_statuses: list[str],
    where: GridFilter,
) -> str:
    x1, y1, x2, y2 = bbox
    given = {name: value for name, value in asdict(where).items() if value is not None}
    clauses = "".join(f"\n       AND {_GRID_CLAUSES[name]}" for name in given)
    sql = sqlfiles.load("app.stats", "grid").replace("/*where*/", clauses)
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
        },
    )
    body: str = result.scalar_one()
    return body
