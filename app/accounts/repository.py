"""Where a thing lies, for the jurisdiction checks of writes that do not lock a hazard row themselves."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def hazard_county(session: AsyncSession, hazard_id: int) -> str | None:
    found = await session.execute(text("SELECT county_code FROM hazards WHERE id = :id"), {"id": hazard_id})
    return found.scalar_one_or_none()


async def candidate_county(session: AsyncSession, candidate_id: int) -> tuple[bool, str | None]:
    """Whether the candidate exists, and the county it would be numbered in once accepted.

    The county covering its anchor (a point, or a segment's midpoint), else the nearest within
    500 m: the rule of the trigger hazards_assign."""
    found = await session.execute(
        text(
            "WITH a AS (SELECT CASE WHEN ST_GeometryType(geom) = 'ST_Point' THEN geom"
            " ELSE ST_LineInterpolatePoint(geom, 0.5) END AS anchor"
            " FROM accident_prone_candidates WHERE id = :id)"
            " SELECT true, coalesce("
            " (SELECT j.code FROM jurisdictions j, a WHERE j.level = 'county' AND j.geom IS NOT NULL"
            "  AND ST_Covers(j.geom, a.anchor) ORDER BY j.code LIMIT 1),"
            " (SELECT j.code FROM jurisdictions j, a WHERE j.level = 'county' AND j.geom IS NOT NULL"
            "  AND ST_DWithin(j.geom::geography, a.anchor::geography, 500)"
            "  ORDER BY ST_Distance(j.geom::geography, a.anchor::geography) LIMIT 1)) FROM a"
        ),
        {"id": candidate_id},
    )
    row = found.one_or_none()
    return (False, None) if row is None else (True, row[1])
