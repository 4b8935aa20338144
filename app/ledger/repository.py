"""The ledger's queries: the jurisdiction asked for, and its rows as one JSON array (sql/rows.sql)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.hazards.repository import filter_clauses
from app.hazards.schemas import HazardFilter
from app.roads.chainage import chainage_sql
from app.sqlfiles import compose


async def jurisdiction(session: AsyncSession, code: str) -> tuple[str, str] | None:
    """The name and level of a jurisdiction, None when there is none with this code."""
    row = (
        await session.execute(
            text("SELECT name, level FROM jurisdictions WHERE code = :code"), {"code": code}
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def rows_json(
    session: AsyncSession,
    only: HazardFilter,
    *,
    county: str | None,
    township: str | None,
    labels: str,
    tz: str,
) -> str:
    """The rows that match the list's filters in the county or township (None: the city), as JSON."""
    clauses, params = filter_clauses(only)
    sql = compose(
        "app.ledger",
        "rows",
        chainage=chainage_sql("h.chainage_m", "h.end_chainage_m"),
        where="".join(f"AND {c}\n       " for c in clauses),
    )
    rows = await session.execute(
        text(sql), {"labels": labels, "tz": tz, "in_county": county, "in_township": township, **params}
    )
    return str(rows.scalar_one())
